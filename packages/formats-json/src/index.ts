export type {
  JsonCodecOptions,
  JsonCorruptReason,
  JsonMigrate,
  JsonValidationIssue,
} from "./json-codec.js";
export { createJsonCodec } from "./json-codec.js";
export type { JsonOp, JsonOpsCorruptReason } from "./json-op.js";
export { createJsonOpsCodec } from "./json-ops-codec.js";
