import {
  FT_AICH_HASH,
  FT_FILENAME,
  FT_KADLASTPUBLISHKEY,
  FT_PARTFILENAME,
  FT_PERMISSIONS,
} from "../tags/tag-ids.js";
import { AMULE_INTEGER_FIELD_IDS } from "./amule-integer-field-ids.js";

/**
 * Ids of the known.met tags aMule 2.3.3 handles itself on load: it reads them into fields (and
 * writes them back itself) or drops them. Every other tag, string names (id 0) included, is copied
 * into the record's list of extra tags (docs/met-format.md#how-clients-read-tags).
 */
export const AMULE_HANDLED_TAG_IDS: ReadonlySet<number> = new Set([
  ...AMULE_INTEGER_FIELD_IDS,
  FT_FILENAME,
  FT_AICH_HASH,
  FT_PERMISSIONS,
  FT_KADLASTPUBLISHKEY,
  FT_PARTFILENAME,
]);
