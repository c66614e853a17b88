export type {
  JsonCodecOptions,
  JsonCorruptReason,
  JsonMigrate,
} from "./json-codec.js";
export { createJsonCodec } from "./json-codec.js";
export type { JsonOp, JsonOpsCorruptReason } from "./json-op.js";
export { createJsonOpsCodec } from "./json-ops-codec.js";
export type { JsonValidationIssue } from "./json-validation-issue.js";
