export { createJsonCodec } from "./json-codec.js";
export type {
  JsonCodecOptions,
  JsonCorruptReason,
  JsonMigrate,
  JsonUnsupportedReason,
} from "./json-codec-options.js";
export type { JsonOp, JsonOpsCorruptReason } from "./json-op.js";
export { createJsonOpsCodec } from "./json-ops-codec.js";
export type { JsonValidationIssue } from "./json-validation-issue.js";
