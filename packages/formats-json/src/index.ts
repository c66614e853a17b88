export type {
  JsonCodecOptions,
  JsonCorruptReason,
  JsonMigrate,
  JsonValidationIssue,
} from "./json-codec.js";
export { createJsonCodec } from "./json-codec.js";
