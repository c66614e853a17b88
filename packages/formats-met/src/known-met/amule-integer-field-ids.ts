import {
  FT_ATACCEPTED,
  FT_ATREQUESTED,
  FT_ATTRANSFERRED,
  FT_ATTRANSFERREDHI,
  FT_FILESIZE,
  FT_KADLASTPUBLISHNOTES,
  FT_KADLASTPUBLISHSRC,
  FT_ULPRIORITY,
} from "../tags/tag-ids.js";

/**
 * Ids of the known.met tags aMule 2.3.3 reads into integer fields: the load aborts when one holds
 * another type, and aMule writes them back itself rather than as kept extra tags.
 */
export const AMULE_INTEGER_FIELD_IDS: ReadonlySet<number> = new Set([
  FT_FILESIZE,
  FT_ATTRANSFERRED,
  FT_ATTRANSFERREDHI,
  FT_ATREQUESTED,
  FT_ATACCEPTED,
  FT_ULPRIORITY,
  FT_KADLASTPUBLISHSRC,
  FT_KADLASTPUBLISHNOTES,
]);
