import { assertJournalName } from "@snapwrite/journal";

/** The default prefix of a store's files. */
const DEFAULT_STORE_NAME = "store";

/**
 * The checked `name` option of `factory` (`openDurableStore`, `openFollowerStore`): `undefined`
 * keeps the default `"store"`; anything else must be a non-empty string (`null` is refused, not
 * defaulted) that the journal takes as a name (its `assertJournalName`: a plain file name, not `.`
 * or `..`, none of the parts of its own file names). Throws `TypeError` naming the option. Internal.
 */
export function storeNameOf(name: unknown, factory: string): string {
  if (name === undefined) return DEFAULT_STORE_NAME;
  if (typeof name !== "string" || name.length === 0) {
    const got = name === null ? "null" : typeof name === "string" ? "an empty string" : typeof name;
    throw new TypeError(`${factory}: name must be a non-empty string, got ${got}`);
  }
  assertJournalName(name, factory);
  return name;
}
