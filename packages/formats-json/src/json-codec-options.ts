import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import type { StandardSchemaV1 } from "@standard-schema/spec";

/**
 * Upgrades the `data` of an envelope written by an older `version` to the current one. Called once
 * per decode with the version found in the file; it must be synchronous.
 */
export type JsonMigrate = (data: unknown, fromVersion: number) => unknown;

/**
 * Why a decode failed, as `details.reason` of the `ERR_CORRUPT` error (damaged or foreign bytes):
 * - `"empty"`: no bytes (or only a byte-order mark);
 * - `"invalid-utf8"`: ill-formed UTF-8 at `details.offset`;
 * - `"syntax"`: not JSON text; `details.offset` is the offending byte (`details.truncated` when the
 *   input ended early);
 * - `"envelope"`: `version` is set but the value is not `{ "version": n, "data": ... }`;
 * - `"invalid"`: the `validate` schema reported issues (`details.issues`).
 */
export type JsonCorruptReason = "empty" | "invalid-utf8" | "syntax" | "envelope" | "invalid";

/**
 * Why intact data could not be read, as `details.reason` of the `ERR_UNSUPPORTED` error (not
 * damage: a loader leaves the file in place and does not fall back to the backup):
 * - `"unsupported-version"`: the envelope's version is newer than `version`, or older and there is
 *   no `migrate`;
 * - `"migration-failed"`: `migrate` threw (its error is the `cause`).
 */
export type JsonUnsupportedReason = "unsupported-version" | "migration-failed";

/** Options of {@link createJsonCodec}. */
export interface JsonCodecOptions<T> {
  /** Codec name for telemetry and error messages. Default `"json"`. */
  readonly name?: string | undefined;
  /**
   * Indentation: `false`/`0` for compact output (default), `true` for 2 spaces, or 1–10 spaces.
   * The bytes equal `JSON.stringify(value, null, indent)` with the same indent.
   */
  readonly pretty?: boolean | number | undefined;
  /**
   * Emit object keys sorted by UTF-16 code units (`Array.prototype.sort`), so equal values give
   * equal bytes whatever their insertion order. Default `false` (insertion order, like
   * `JSON.stringify`). The envelope keeps `version` before `data`.
   */
  readonly stableKeys?: boolean | undefined;
  /** Size of the chunks `encode` yields, in bytes: 64 to 2^30. Default 65 536. No chunk is larger. */
  readonly chunkSize?: number | undefined;
  /**
   * A Standard Schema v1 validator (zod, valibot, arktype, …) run on every decoded value (after
   * `migrate`); its output is what `decode` returns. Issues become `ERR_CORRUPT` with
   * `details.reason: "invalid"` and `details.issues`. Decoding is synchronous: a schema whose
   * `validate` returns a Promise makes `decode` throw a `TypeError` (a configuration error, not
   * corrupt data). Encoding does not validate.
   */
  readonly validate?: StandardSchemaV1<unknown, T> | undefined;
  /**
   * Current format version, a non-negative integer. When set, `encode` writes the envelope
   * `{"version":n,"data":value}` and `decode` requires one.
   */
  readonly version?: number | undefined;
  /** Upgrades data of an older envelope version; requires `version`. */
  readonly migrate?: JsonMigrate | undefined;
}

/** The keys of {@link JsonCodecOptions}. */
const JSON_CODEC_OPTION_KEYS = [
  "name",
  "pretty",
  "stableKeys",
  "chunkSize",
  "validate",
  "version",
  "migrate",
] satisfies (keyof JsonCodecOptions<unknown>)[];

/**
 * Throws a `TypeError` for options that are not an object, or that have a key
 * {@link JsonCodecOptions} does not know (`versoin`, `stablekeys`), naming it: a misspelt option
 * would otherwise be dropped without a word and its default used instead.
 */
export function assertJsonCodecOptions(options: unknown): asserts options is object {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError("createJsonCodec: options must be an object");
  }
  assertKnownOptions("createJsonCodec", options, JSON_CODEC_OPTION_KEYS);
  const { stableKeys } = options as { stableKeys?: unknown };
  if (stableKeys !== undefined && typeof stableKeys !== "boolean") {
    throw new TypeError(
      `createJsonCodec: stableKeys must be a boolean, got ${describe(stableKeys)}`,
    );
  }
}

function describe(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
}
