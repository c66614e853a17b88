import { corruptError } from "../corrupt.js";
import {
  decodeSegmentHeader,
  encodeRecordHeader,
  encodeSegmentHeader,
  readRecordAt,
  SEGMENT_HEADER_BYTES,
} from "../segment-format.js";
import { findLaterRecord } from "../segment-scan.js";

/** One entry read from a log file, or why a stretch of it could not be read. */
export type LogEntry =
  | {
      readonly kind: "record";
      readonly seq: number;
      readonly value: unknown;
      readonly offset: number;
      readonly end: number;
    }
  | {
      readonly kind: "bad";
      readonly offset: number;
      readonly end: number;
      readonly reason: string;
      readonly terminated: boolean;
    };

/** What a log file starts with. */
export interface LogHeader {
  readonly firstSeq: number;
  readonly createdAt: number;
  readonly salt: number;
  /** Bytes of the header. */
  readonly bytes: number;
}

/** A log file format: `jsonl` (one JSON object per line) or `framed` (checksummed binary records). */
export interface LogFormat {
  readonly name: "jsonl" | "framed";
  header(firstSeq: number, createdAt: number, salt: number): Uint8Array;
  /** Throws `ERR_CORRUPT` when `bytes` does not start with a complete header. */
  parseHeader(bytes: Uint8Array): LogHeader;
  encode(seq: number, value: unknown, salt: number): Uint8Array[];
  /** Entries from `start` to the end of `bytes`. */
  entries(
    bytes: Uint8Array,
    start: number,
    header: LogHeader,
    maxRecordBytes: number,
  ): Iterable<LogEntry>;
}

const NL = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function parseLine(bytes: Uint8Array, start: number, end: number): unknown {
  return JSON.parse(decoder.decode(bytes.subarray(start, end)));
}

/** A `JSON.stringify` replacer that throws on a number JSON cannot hold (`NaN`, `±Infinity`). */
function refuseNonFinite(key: string, value: unknown): unknown {
  const n = value instanceof Number ? value.valueOf() : value;
  if (typeof n === "number" && !Number.isFinite(n)) {
    const where = key === "" ? "the value" : `${JSON.stringify(key)}`;
    throw new TypeError(`${where} is ${n}, which JSON cannot hold (it would be stored as null)`);
  }
  return value;
}

/** `{"$snapwrite":"log","v":1,"firstSeq":…,"createdAt":…}` then `{"seq":…,"value":…}` lines. */
export const jsonlFormat: LogFormat = {
  name: "jsonl",
  header(firstSeq, createdAt) {
    return encoder.encode(`${JSON.stringify({ $snapwrite: "log", v: 1, firstSeq, createdAt })}\n`);
  },
  parseHeader(bytes) {
    const nl = bytes.indexOf(NL);
    if (nl < 0) throw corruptError("log header line is incomplete", 0, "torn");
    let parsed: { $snapwrite?: unknown; v?: unknown; firstSeq?: unknown; createdAt?: unknown };
    try {
      parsed = parseLine(bytes, 0, nl) as typeof parsed;
    } catch (cause) {
      throw Object.assign(corruptError("log header line is not JSON", 0, "header"), { cause });
    }
    if (
      parsed === null ||
      typeof parsed !== "object" ||
      parsed.$snapwrite !== "log" ||
      parsed.v !== 1 ||
      !Number.isSafeInteger(parsed.firstSeq) ||
      (parsed.firstSeq as number) < 1
    ) {
      throw corruptError("not a snapwrite log header", 0, "header");
    }
    const createdAt = typeof parsed.createdAt === "number" ? parsed.createdAt : 0;
    return { firstSeq: parsed.firstSeq as number, createdAt, salt: 0, bytes: nl + 1 };
  },
  encode(seq, value) {
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError("value is not JSON-serializable");
    // JSON writes NaN and ±Infinity as null: refuse them rather than store something else. Only
    // output holding "null" can hide one, so other values are not walked a second time.
    if (json.includes("null")) JSON.stringify(value, refuseNonFinite);
    return [encoder.encode(`{"seq":${seq},"value":${json}}\n`)];
  },
  *entries(bytes, start) {
    let offset = start;
    while (offset < bytes.byteLength) {
      const nl = bytes.indexOf(NL, offset);
      const end = nl < 0 ? bytes.byteLength : nl;
      const next = nl < 0 ? bytes.byteLength : nl + 1;
      let record: { seq?: unknown; value?: unknown } | undefined;
      try {
        const parsed = parseLine(bytes, offset, end) as typeof record;
        if (parsed !== null && typeof parsed === "object" && Number.isSafeInteger(parsed.seq))
          record = parsed;
      } catch {
        record = undefined;
      }
      if (record !== undefined && nl >= 0) {
        yield { kind: "record", seq: record.seq as number, value: record.value, offset, end: next };
      } else {
        yield {
          kind: "bad",
          offset,
          end: next,
          reason: nl < 0 ? "torn" : "corrupt",
          terminated: nl >= 0,
        };
      }
      offset = next;
    }
  },
};

/** The journal's segment header and record framing; values are `Uint8Array` payloads. */
export const framedFormat: LogFormat = {
  name: "framed",
  header(firstSeq, createdAt, salt) {
    return encodeSegmentHeader({ salt, firstSeq, createdAt, prevValidBytes: 0 });
  },
  parseHeader(bytes) {
    const h = decodeSegmentHeader(bytes);
    return {
      firstSeq: h.firstSeq,
      createdAt: h.createdAt,
      salt: h.salt,
      bytes: SEGMENT_HEADER_BYTES,
    };
  },
  encode(seq, value, salt) {
    if (!(value instanceof Uint8Array))
      throw new TypeError("a framed log appends Uint8Array values");
    return [encodeRecordHeader(salt, { seq }, value), value];
  },
  *entries(bytes, start, header, maxRecordBytes) {
    let offset = start;
    let previous = header.firstSeq - 1;
    while (offset < bytes.byteLength) {
      const r = readRecordAt(bytes, offset, bytes.byteLength, header.salt, maxRecordBytes);
      if (r.ok) {
        yield { kind: "record", seq: r.record.seq, value: r.record.payload, offset, end: r.end };
        previous = r.record.seq;
        offset = r.end;
        continue;
      }
      // Resynchronise on the next record that validates with the file's salt and a later seq.
      const later = findLaterRecord(
        bytes,
        offset + 1,
        bytes.byteLength,
        header.salt,
        maxRecordBytes,
        previous,
      );
      const end = later ?? bytes.byteLength;
      yield {
        kind: "bad",
        offset,
        end,
        reason: later === undefined ? "torn" : r.reason,
        terminated: later !== undefined,
      };
      offset = end;
    }
  },
};
