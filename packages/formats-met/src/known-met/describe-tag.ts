import type { MetTag } from "../tags/met-tag.js";

/** How problem messages name a tag: `tag 0x7b`, or `tag "Artist"` for a string name. */
export function describeTag(tag: MetTag): string {
  return tag.name === undefined
    ? `tag 0x${tag.id.toString(16)}`
    : `tag ${JSON.stringify(tag.name)}`;
}
