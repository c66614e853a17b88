/** A short random tag of base-36 characters, for file names and lock tokens. */
export function randomTag(random: () => number, length = 10): string {
  let tag = "";
  while (tag.length < length) {
    tag += Math.floor(random() * 36).toString(36);
  }
  return tag;
}
