import { type Codec, PersistenceError } from "@snapwrite/core";
import {
  corruptError,
  createChunkPool,
  createChunkWriter,
  withChunkRelease,
} from "@snapwrite/core/codec-kit";
import { copyBytes } from "../canceled/copy-bytes.js";
import { decodeMetTag, type MetTag } from "../tags/met-tag.js";
import {
  EMULE_CANCELLED_HEADER,
  EMULE_CANCELLED_HEADER_OLD,
  EMULE_CANCELLED_VERSION,
  type EmuleCancelledEntry,
  type EmuleCancelledMet,
} from "./emule-cancelled-met.js";

/** Chunk buffers of every `cancelled.met` encode, given back by sinks that support it. */
const CHUNK_POOL = createChunkPool();

/**
 * Codec for eMule's `cancelled.met` (docs/met-format.md#emule-cancelledmet; not aMule's `canceled.met`). Salted format:
 * header 0x0F, version (≤ 1), uint32 seed, uint32 count, entries of a 16-byte salted id, a uint8
 * tag count and that many tags. Legacy format: header 0x0E, count, entries (plain MD4 hashes);
 * decoded with `format: "legacy"` so it re-encodes identically.
 *
 * `encode(decode(bytes))` is byte-identical (entry tags are kept in wire form). `encode` takes its
 * chunk buffers from a pool and carries its release hook (`CHUNK_RELEASE`), like `knownMetCodec`.
 * Decoded ids and tags are views into one private copy of the input. Bad input throws `ERR_CORRUPT` with `details.offset` and
 * `details.reason`: `bad-header` (unknown header, or a version above 1, which eMule refuses),
 * `truncated`, `bad-length` (count exceeds the bytes left), `unknown-tag-type`, `trailing-data`.
 */
export const emuleCancelledMetCodec: Codec<EmuleCancelledMet> = {
  name: "cancelled.met",
  encode: (value: EmuleCancelledMet): Iterable<Uint8Array> =>
    withChunkRelease(encodeCancelled(value), CHUNK_POOL.release),
  decode(input: Uint8Array): EmuleCancelledMet {
    // One private copy: ids and tags are views into it, never into the caller's buffer.
    const bytes = copyBytes(input, 0, input.length);
    const end = bytes.length;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const need = (at: number, n: number): void => {
      if (end - at < n) {
        throw corruptError(`cancelled.met ends inside a ${n}-byte field`, at, "truncated", {
          length: n,
          available: Math.max(0, end - at),
        });
      }
    };
    need(0, 1);
    const header = bytes[0] as number;
    let format: EmuleCancelledMet["format"];
    let version = 0;
    let seed = 0;
    let p = 1;
    if (header === EMULE_CANCELLED_HEADER) {
      format = "salted";
      need(1, 1);
      version = bytes[1] as number;
      if (version > EMULE_CANCELLED_VERSION) {
        throw corruptError(`cancelled.met version ${version} is newer than 1`, 1, "bad-header", {
          version,
        });
      }
      need(2, 4);
      seed = dv.getUint32(2, true);
      p = 6;
    } else if (header === EMULE_CANCELLED_HEADER_OLD) {
      format = "legacy";
    } else {
      throw corruptError(
        `cancelled.met header is 0x${header.toString(16).padStart(2, "0")}, expected 0x0f or 0x0e`,
        0,
        "bad-header",
        { header },
      );
    }
    need(p, 4);
    const countOffset = p;
    const count = dv.getUint32(p, true);
    p += 4;
    // Every entry takes at least 17 bytes: check before allocating anything sized by count.
    if (count * 17 > end - p) {
      throw corruptError(`cancelled.met announces ${count} entries`, countOffset, "bad-length", {
        length: count * 17,
        available: end - p,
      });
    }
    const entries: EmuleCancelledEntry[] = new Array(count);
    for (let i = 0; i < count; i++) {
      need(p, 17);
      const id = bytes.subarray(p, p + 16);
      const tagCount = bytes[p + 16] as number;
      p += 17;
      const tags: MetTag[] = [];
      for (let t = 0; t < tagCount; t++) {
        const tag = decodeMetTag(bytes, p, end);
        tags.push(tag);
        p += tag.raw.length;
      }
      entries[i] = { id, tags };
    }
    if (p !== end) {
      throw corruptError("bytes follow the last cancelled.met entry", p, "trailing-data", {
        length: end - p,
      });
    }
    return { format, version, seed, entries };
  },
};

function checkValue(value: EmuleCancelledMet): void {
  const fail = (message: string, details: Record<string, unknown> = {}): never => {
    throw new PersistenceError("ERR_ENCODE", `cancelled.met: ${message}`, { details });
  };
  if (value.format !== "salted" && value.format !== "legacy") {
    fail(`format must be "salted" or "legacy", got ${String(value.format)}`);
  }
  if (value.format === "salted") {
    if (value.version !== 0 && value.version !== 1) fail(`version must be 0 or 1`);
    if (!Number.isInteger(value.seed) || value.seed < 0 || value.seed > 0xffffffff) {
      fail(`seed must be a uint32, got ${value.seed}`);
    }
  }
  const entries = value.entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as EmuleCancelledEntry;
    if (!(e.id instanceof Uint8Array) || e.id.length !== 16)
      fail(`entry ${i} id is not 16 bytes`, { entry: i });
    if (e.tags.length > 255) fail(`entry ${i} has more than 255 tags`, { entry: i });
    for (const tag of e.tags) {
      if (!(tag?.raw instanceof Uint8Array))
        fail(`entry ${i} has a tag without wire bytes`, { entry: i });
    }
  }
}

/** The chunks of {@link emuleCancelledMetCodec}'s `encode`, from its pool. */
function* encodeCancelled(value: EmuleCancelledMet): Generator<Uint8Array, void, undefined> {
  checkValue(value);
  const w = createChunkWriter({ pool: CHUNK_POOL });
  if (value.format === "legacy") {
    w.u8(EMULE_CANCELLED_HEADER_OLD);
  } else {
    w.u8(EMULE_CANCELLED_HEADER);
    w.u8(value.version);
    w.u32(value.seed);
  }
  w.u32(value.entries.length);
  for (const entry of value.entries) {
    w.begin(17);
    const buf = w.buffer;
    const p = w.pos;
    const id = entry.id;
    for (let i = 0; i < 16; i++) buf[p + i] = id[i] as number;
    buf[p + 16] = entry.tags.length;
    w.pos = p + 17;
    w.end();
    for (const tag of entry.tags) w.copy(tag.raw);
    if (w.readyCount > 0) {
      for (let c = w.takeReady(); c !== undefined; c = w.takeReady()) yield c;
    }
  }
  const last = w.finish();
  if (last !== undefined) yield last;
}
