import { assertNonEmptyString } from "@snapwrite/core/sink-kit";
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
  assertNonEmptyString(name, `${factory}: name`);
  assertJournalName(name, factory);
  return name;
}
