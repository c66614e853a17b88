export { addAmuleCanceledFile } from "./canceled/add-amule-canceled-file.js";
export type { AmuleCanceledMet } from "./canceled/amule-canceled-met.js";
export { AMULE_CANCELED_MET_VERSION } from "./canceled/amule-canceled-met.js";
export { amuleCanceledMetCodec } from "./canceled/amule-canceled-met-codec.js";
export { isAmuleCanceledFile } from "./canceled/is-amule-canceled-file.js";
export { removeAmuleCanceledFile } from "./canceled/remove-amule-canceled-file.js";
export type { AddCancelledFileOptions } from "./cancelled/add-cancelled-file.js";
export { addCancelledFile } from "./cancelled/add-cancelled-file.js";
export { cancelledFileId } from "./cancelled/cancelled-file-id.js";
export type { EmuleCancelledEntry, EmuleCancelledMet } from "./cancelled/emule-cancelled-met.js";
export {
  EMULE_CANCELLED_HEADER,
  EMULE_CANCELLED_HEADER_OLD,
  EMULE_CANCELLED_VERSION,
} from "./cancelled/emule-cancelled-met.js";
export { emuleCancelledMetCodec } from "./cancelled/emule-cancelled-met-codec.js";
export { isCancelledFile } from "./cancelled/is-cancelled-file.js";
export type { CorruptReason } from "./corrupt-reason.js";
export { aichLeafCount } from "./hash/aich-leaf-count.js";
export { aichRootFromLeaves } from "./hash/aich-root-from-leaves.js";
export { base32Decode, base32Encode } from "./hash/base32.js";
export type { Ed2kHashes, Ed2kHashSource } from "./hash/compute-ed2k-hashes.js";
export { computeEd2kHashes } from "./hash/compute-ed2k-hashes.js";
export type { Md4Hasher } from "./hash/create-md4.js";
export { createMd4 } from "./hash/create-md4.js";
export { AICH_BLOCK_SIZE, AICH_BLOCKS_PER_PART, ED2K_PART_SIZE } from "./hash/ed2k-constants.js";
export { ed2kPartHashCount } from "./hash/ed2k-part-hash-count.js";
export { md4 } from "./hash/md4.js";
export { applyKnownMetOps } from "./known-met/apply-known-met-ops.js";
export { applyKnownMetStateOps } from "./known-met/apply-known-met-state-ops.js";
export type { KnownFileRecordParts } from "./known-met/assemble-known-file-record.js";
export { assembleKnownFileRecord } from "./known-met/assemble-known-file-record.js";
export { compactKnownFileRecords } from "./known-met/compact-known-file-records.js";
export type {
  CreateKnownFileRecordOptions,
  KnownFileRecordInput,
} from "./known-met/create-known-file-record.js";
export { createKnownFileRecord } from "./known-met/create-known-file-record.js";
export type { DecodeKnownMetOptions, SalvagedKnownMet } from "./known-met/decode-known-met.js";
export { decodeKnownMet } from "./known-met/decode-known-met.js";
export type { EncodeKnownMetOptions } from "./known-met/encode-known-met.js";
export { encodeKnownMet } from "./known-met/encode-known-met.js";
export type { EncodeKnownMetStateOptions } from "./known-met/encode-known-met-state.js";
export { encodeKnownMetState } from "./known-met/encode-known-met-state.js";
export type { KnownFileMedia, KnownFileRecord } from "./known-met/known-file-record.js";
export type { KnownMet, KnownMetHeader } from "./known-met/known-met.js";
export { OLD_MAX_FILE_SIZE } from "./known-met/known-met.js";
export type { KnownMetCodecOptions } from "./known-met/known-met-codec.js";
export { createKnownMetCodec, knownMetCodec } from "./known-met/known-met-codec.js";
export type { KnownMetOp } from "./known-met/known-met-op.js";
export { knownMetOps } from "./known-met/known-met-ops.js";
export type {
  KnownMetPatch,
  KnownMetReplica,
  KnownMetReplicaOptions,
} from "./known-met/known-met-replica.js";
export { createKnownMetReplica, KNOWN_MET_PATCH_TAGS } from "./known-met/known-met-replica.js";
export type { KnownMetState } from "./known-met/known-met-state.js";
export {
  emptyKnownMetState,
  isKnownMetState,
  knownMetStateFrom,
} from "./known-met/known-met-state.js";
export type { KnownMetStateCodecOptions } from "./known-met/known-met-state-codec.js";
export {
  createKnownMetStateCodec,
  knownMetStateCodec,
} from "./known-met/known-met-state-codec.js";
export type {
  KnownMetStoreState,
  KnownMetStoreStateOptions,
} from "./known-met/known-met-store-state.js";
export { createKnownMetStoreState } from "./known-met/known-met-store-state.js";
export { sortKnownFileRecordsAmule } from "./known-met/sort-known-file-records.js";
export { toAmuleCanonicalRecord } from "./known-met/to-amule-canonical-record.js";
export type {
  KnownMetProblem,
  KnownMetProblemCode,
  KnownMetProblemEffect,
  KnownMetValidation,
} from "./known-met/validate-known-met.js";
export { validateKnownMet } from "./known-met/validate-known-met.js";
export { appendKnown2Entry } from "./known2/append-known2-entry.js";
export type { Known2Entry, Known2Met } from "./known2/known2-met.js";
export { KNOWN2_MET_VERSION } from "./known2/known2-met.js";
export { known2MetCodec } from "./known2/known2-met-codec.js";
export type { Known2Salvage } from "./known2/salvage-known2-met.js";
export { salvageKnown2Met } from "./known2/salvage-known2-met.js";
export type { MetTagNaming, MetTagSpec, MetTagValueSpec } from "./tags/create-met-tag.js";
export { createMetTag } from "./tags/create-met-tag.js";
export { decodeMetString } from "./tags/decode-met-string.js";
export type { MetBoolArray, MetTag, MetTagValue } from "./tags/met-tag.js";
export { decodeMetTag } from "./tags/met-tag.js";
export { scanMetTag } from "./tags/scan-met-tag.js";
export {
  FT_AICH_HASH,
  FT_AICHHASHSET,
  FT_ATACCEPTED,
  FT_ATREQUESTED,
  FT_ATTRANSFERRED,
  FT_ATTRANSFERREDHI,
  FT_FILENAME,
  FT_FILESIZE,
  FT_FILESIZE_HI,
  FT_FLAGS,
  FT_KADLASTPUBLISHKEY,
  FT_KADLASTPUBLISHNOTES,
  FT_KADLASTPUBLISHSRC,
  FT_LASTSEEN,
  FT_LASTSHARED,
  FT_MEDIA_ALBUM,
  FT_MEDIA_ARTIST,
  FT_MEDIA_BITRATE,
  FT_MEDIA_CODEC,
  FT_MEDIA_LENGTH,
  FT_MEDIA_TITLE,
  FT_PARTFILENAME,
  FT_PERMISSIONS,
  FT_ULPRIORITY,
} from "./tags/tag-ids.js";
export type { MetTagTypeName } from "./tags/tag-types.js";
export {
  TAG_COMPACT_FLAG,
  TAG_TYPE_BLOB,
  TAG_TYPE_BOOL,
  TAG_TYPE_BOOLARRAY,
  TAG_TYPE_BSOB,
  TAG_TYPE_FLOAT32,
  TAG_TYPE_HASH16,
  TAG_TYPE_STR1,
  TAG_TYPE_STR16,
  TAG_TYPE_STRING,
  TAG_TYPE_UINT8,
  TAG_TYPE_UINT16,
  TAG_TYPE_UINT32,
  TAG_TYPE_UINT64,
} from "./tags/tag-types.js";
