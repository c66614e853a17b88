/** The default prefix of a store's files. */
const DEFAULT_STORE_NAME = "store";

/**
 * The checked `name` option of `factory` (`openDurableStore`, `openFollowerStore`): `undefined`
 * keeps the default `"store"`; anything else must be a non-empty string (`null` is refused, not
 * defaulted) that is a plain file name. Throws `TypeError` naming the option. Internal.
 */
export function storeNameOf(name: unknown, factory: string): string {
  if (name === undefined) return DEFAULT_STORE_NAME;
  if (typeof name !== "string" || name.length === 0) {
    const got = name === null ? "null" : typeof name === "string" ? "an empty string" : typeof name;
    throw new TypeError(`${factory}: name must be a non-empty string, got ${got}`);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new TypeError(`${factory}: name must be a plain file name`);
  }
  return name;
}
