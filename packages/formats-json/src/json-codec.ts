import { type Codec, PersistenceError } from "@snapwrite/core";
import {
  assertJsonCodecOptions,
  type JsonCodecOptions,
  type JsonCorruptReason,
  type JsonUnsupportedReason,
} from "./json-codec-options.js";
import { encodeJson, engineIsRawJson, type JsonEncoderSettings } from "./json-encoder.js";
import {
  findInvalidUtf8,
  findJsonSyntaxError,
  findValueOffset,
  lineAndColumn,
} from "./json-syntax-scanner.js";
import { formatIssuePath, normalizeIssues } from "./json-validation-issue.js";

const DEFAULT_CHUNK_SIZE = 65_536;
const MIN_CHUNK_SIZE = 64;
const MAX_CHUNK_SIZE = 2 ** 30;
const MAX_SILENT_VISITS = 4096;
/** Bytes one encode step writes before it ends: small enough for a step to stay well under 1 ms. */
const STEP_BYTES = 16_384;
/** Longest string segment written by one step, in UTF-16 units (up to 6 bytes each). */
const STRING_SEGMENT = 4096;
const ENVELOPE_KEYS: readonly string[] = Object.freeze(["version", "data"]);
const BOM_LENGTH = 3;
const UNSUPPORTED_REASONS: ReadonlySet<string> = new Set<JsonUnsupportedReason>([
  "unsupported-version",
  "migration-failed",
]);

function resolveIndent(pretty: boolean | number | undefined): number {
  if (pretty === undefined || pretty === false) return 0;
  if (pretty === true) return 2;
  if (typeof pretty !== "number" || !Number.isInteger(pretty) || pretty < 0 || pretty > 10) {
    throw new RangeError(
      `pretty must be a boolean or an integer from 0 to 10, got ${String(pretty)}`,
    );
  }
  return pretty;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Creates a streaming JSON {@link Codec}. `encode` yields UTF-8 chunks of at most `chunkSize`
 * bytes in bounded steps (no whole-document string is built); for plain values the concatenated
 * bytes equal `JSON.stringify(value, null, indent)`. `decode` accepts a leading UTF-8 byte-order
 * mark and throws `ERR_CORRUPT` with `details.reason` and, for positional problems,
 * `details.offset` (a byte offset into the input), `details.line` and `details.column`. Intact
 * data it cannot read (a newer `version`, an older one without `migrate`, a `migrate` that throws)
 * is `ERR_UNSUPPORTED` instead, with the same details: not damage, so `loadTarget` leaves the file
 * in place. Unknown option keys and options that are not an object are a `TypeError`.
 */
export function createJsonCodec<T = unknown>(options: JsonCodecOptions<T> = {}): Codec<T> {
  assertJsonCodecOptions(options);
  const name = options.name ?? "json";
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError("name must be a non-empty string");
  }
  const indent = resolveIndent(options.pretty);
  const stableKeys = options.stableKeys === true;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(
      `chunkSize must be an integer from ${MIN_CHUNK_SIZE} to ${MAX_CHUNK_SIZE}, got ${chunkSize}`,
    );
  }
  const { version, migrate, validate } = options;
  if (version !== undefined && !(Number.isSafeInteger(version) && version >= 0)) {
    throw new RangeError(`version must be a non-negative integer, got ${version}`);
  }
  if (migrate !== undefined) {
    if (typeof migrate !== "function") throw new TypeError("migrate must be a function");
    if (version === undefined) throw new TypeError("migrate requires version");
  }
  const standard = validate?.["~standard"];
  if (
    validate !== undefined &&
    (standard === undefined || standard.version !== 1 || typeof standard.validate !== "function")
  ) {
    throw new TypeError("validate must be a Standard Schema v1 object (with ~standard.validate)");
  }

  const settings: JsonEncoderSettings = {
    indent,
    stableKeys,
    chunkSize,
    stepBytes: Math.min(chunkSize, STEP_BYTES),
    stringSegment: Math.min(chunkSize, STRING_SEGMENT),
    maxSilentVisits: MAX_SILENT_VISITS,
    isRawJson: engineIsRawJson,
  };
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  /**
   * The error of a refused decode: `ERR_UNSUPPORTED` for intact data this codec cannot read (a
   * version it does not support, a failed migration), which a loader must not take for damage;
   * `ERR_CORRUPT` otherwise.
   */
  function corrupt(
    reason: JsonCorruptReason | JsonUnsupportedReason,
    message: string,
    extra: {
      bytes?: Uint8Array;
      start?: number;
      offset?: number;
      details?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ): PersistenceError {
    const details: Record<string, unknown> = { reason, ...extra.details };
    let where = "";
    if (extra.offset !== undefined && extra.bytes !== undefined) {
      const { line, column } = lineAndColumn(extra.bytes, extra.start ?? 0, extra.offset);
      details.offset = extra.offset;
      details.line = line;
      details.column = column;
      where = ` at byte ${extra.offset} (line ${line}, column ${column})`;
    }
    const code = UNSUPPORTED_REASONS.has(reason) ? "ERR_UNSUPPORTED" : "ERR_CORRUPT";
    return new PersistenceError(code, `${name}: ${message}${where}`, {
      details,
      ...("cause" in extra ? { cause: extra.cause } : {}),
    });
  }

  /** Finds where the value at `path` starts in the input, for errors about decoded values. */
  interface Source {
    readonly bytes: Uint8Array;
    readonly start: number;
  }

  function at(source: Source, path: readonly PropertyKey[]) {
    const offset =
      findValueOffset(source.bytes, source.start, path) ??
      (findValueOffset(source.bytes, source.start, []) as number);
    return { bytes: source.bytes, start: source.start, offset };
  }

  function parse(bytes: Uint8Array): { value: unknown; source: Source } {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`${name}: decode expects a Uint8Array`);
    }
    const start =
      bytes.length >= BOM_LENGTH && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf
        ? BOM_LENGTH
        : 0;
    if (bytes.length === start) {
      throw corrupt("empty", "input is empty", { bytes, start, offset: start });
    }
    let text: string;
    try {
      text = decoder.decode(start === 0 ? bytes : bytes.subarray(start));
    } catch (error) {
      const offset = findInvalidUtf8(bytes, start);
      // Well-formed input that still fails is too large for one string: not corrupt data.
      if (offset < 0) throw error;
      throw corrupt("invalid-utf8", "input is not valid UTF-8", {
        bytes,
        start,
        offset,
        cause: error,
      });
    }
    try {
      return { value: JSON.parse(text), source: { bytes, start } };
    } catch (error) {
      // Only a SyntaxError means bad data; anything else (out of memory) is not the file's fault.
      if (!(error instanceof SyntaxError)) throw error;
      const problem = findJsonSyntaxError(bytes, start);
      if (problem === undefined) {
        throw corrupt("syntax", `input could not be parsed: ${error.message}`, {
          bytes,
          start,
          offset: start,
          cause: error,
        });
      }
      throw corrupt("syntax", `invalid JSON: ${problem.message}`, {
        bytes,
        start,
        offset: problem.offset,
        details: { truncated: problem.truncated },
        cause: error,
      });
    }
  }

  function unwrap(
    parsed: unknown,
    current: number,
    source: Source,
  ): { data: unknown; migrated: boolean } {
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw corrupt("envelope", 'expected a {"version": n, "data": ...} envelope', at(source, []));
    }
    const envelope = parsed as Record<string, unknown>;
    const found = envelope.version;
    if (typeof found !== "number" || !Number.isSafeInteger(found) || found < 0) {
      throw corrupt("envelope", "the envelope has no valid version", {
        ...at(source, ["version"]),
        details: { version: found },
      });
    }
    if (!Object.hasOwn(envelope, "data")) {
      throw corrupt("envelope", "the envelope has no data", at(source, []));
    }
    if (found > current) {
      throw corrupt(
        "unsupported-version",
        `the data was written in newer version ${found} of the format; this codec reads version ${current}`,
        { ...at(source, ["version"]), details: { version: found, supported: current } },
      );
    }
    if (found === current) return { data: envelope.data, migrated: false };
    if (migrate === undefined) {
      throw corrupt(
        "unsupported-version",
        `version ${found} is older than ${current} and no migrate function is configured`,
        { ...at(source, ["version"]), details: { version: found, supported: current } },
      );
    }
    let migrated: unknown;
    try {
      migrated = migrate(envelope.data, found);
    } catch (error) {
      throw corrupt("migration-failed", `migrating from version ${found} to ${current} failed`, {
        ...at(source, ["data"]),
        details: { version: found, supported: current },
        cause: error,
      });
    }
    if (isThenable(migrated)) {
      Promise.resolve(migrated).catch(() => undefined);
      throw new TypeError(`${name}: migrate returned a Promise; decode is synchronous`);
    }
    return { data: migrated, migrated: true };
  }

  function check(
    value: unknown,
    source: Source,
    base: readonly PropertyKey[],
    migrated: boolean,
  ): T {
    if (standard === undefined) return value as T;
    const result = standard.validate(value);
    if (isThenable(result)) {
      Promise.resolve(result).catch(() => undefined);
      throw new TypeError(
        `${name}: the validate schema (${standard.vendor}) returned a Promise; decode is synchronous, use a schema without async checks`,
      );
    }
    if (result.issues) {
      const issues = normalizeIssues(result.issues);
      const first = issues[0];
      const summary =
        first === undefined
          ? "validation failed"
          : `${issues.length} validation issue(s), first at ${formatIssuePath(first.path)}: ${first.message}`;
      // Issue paths of migrated data do not exist in the file: point at the data then.
      const where = at(source, first === undefined || migrated ? base : [...base, ...first.path]);
      // The bytes of an older version are intact when only what `migrate` made of them is refused:
      // the migration failed (ERR_UNSUPPORTED, nothing quarantined), the file is not damaged.
      if (migrated) {
        throw corrupt("migration-failed", `the migrated data does not validate: ${summary}`, {
          ...where,
          details: { issues },
        });
      }
      throw corrupt("invalid", summary, { ...where, details: { issues } });
    }
    return result.value;
  }

  return {
    name,
    encode(value: T): Iterable<Uint8Array> {
      if (version === undefined) return encodeJson(value, settings);
      const envelope = { version, data: value };
      if (!stableKeys) return encodeJson(envelope, settings);
      return encodeJson(envelope, settings, (holder) =>
        holder === envelope ? ENVELOPE_KEYS : undefined,
      );
    },
    decode(bytes: Uint8Array): T {
      const { value, source } = parse(bytes);
      if (version === undefined) return check(value, source, [], false);
      const { data, migrated } = unwrap(value, version, source);
      return check(data, source, ["data"], migrated);
    },
  };
}
