import type { MetTag } from "../tags/met-tag.js";
import { TAG_TYPE_BOOL, TAG_TYPE_BOOLARRAY } from "../tags/tag-types.js";
import { AMULE_HANDLED_TAG_IDS } from "./amule-handled-tag-ids.js";

/**
 * True for a tag that makes aMule 2.3.3 abort while loading known.met: a BOOL or BOOLARRAY tag that
 * aMule does not handle itself. Such a tag is read, then copied into the record's extra tags, and
 * `CTag`'s copy constructor only copies strings, integers, FLOAT32, HASH16 and BLOBs: for any other
 * type a failed assertion ends the whole daemon (`Assertion failed: ../../src/Tag.cpp:CTag:79`), so
 * nothing is loaded, shared or rewritten, on every start (docs/met-format.md#loading-bad-input).
 * BSOB and other unknown types never get this far (the reader stops at them, and so does the
 * decoder). A BOOL tag with a handled id is either dropped (FT_PERMISSIONS, FT_KADLASTPUBLISHKEY,
 * FT_PARTFILENAME) or a type mismatch that stops loading at its record.
 */
export function crashesAmuleOnLoad(tag: MetTag): boolean {
  if (tag.type !== TAG_TYPE_BOOL && tag.type !== TAG_TYPE_BOOLARRAY) return false;
  return tag.name !== undefined || !AMULE_HANDLED_TAG_IDS.has(tag.id);
}
