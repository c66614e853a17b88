import { type Codec, PersistenceError } from "@snapwrite/core";
import { corruptError, createChunkWriter } from "@snapwrite/core/codec-kit";
import { AMULE_CANCELED_MET_VERSION, type AmuleCanceledMet } from "./amule-canceled-met.js";
import { copyBytes } from "./copy-bytes.js";

const BATCH = 512;

/**
 * Codec for aMule's `canceled.met` (docs/met-format.md#amule-canceledmet): version 0x21, uint32 count, count × 16-byte MD4
 * hashes. Not eMule's `cancelled.met` (see {@link emuleCancelledMetCodec}).
 *
 * `decode` keeps order, duplicates and all-zero hashes (aMule skips those on load), so
 * `encode(decode(bytes))` is byte-identical; decoded hashes are views into one private copy of
 * the input. Bad input throws `ERR_CORRUPT` with
 * `details.offset` and `details.reason`: `bad-header` (not 0x21, e.g. an eMule file),
 * `truncated` (no count), `bad-length` (count exceeds the bytes left), `trailing-data`.
 */
export const amuleCanceledMetCodec: Codec<AmuleCanceledMet> = {
  name: "canceled.met",
  *encode(value: AmuleCanceledMet): Iterable<Uint8Array> {
    const hashes = value.hashes;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i];
      if (!(h instanceof Uint8Array) || h.length !== 16) {
        throw new PersistenceError("ERR_ENCODE", `canceled.met hash ${i} is not 16 bytes`, {
          details: { index: i },
        });
      }
    }
    const w = createChunkWriter();
    w.u8(AMULE_CANCELED_MET_VERSION);
    w.u32(hashes.length);
    // Hashes are written in batches, each one contiguous write copied by hand: per-hash writer
    // calls and TypedArray.set cost more than the 16-byte copies themselves.
    for (let start = 0; start < hashes.length; start += BATCH) {
      const stop = Math.min(hashes.length, start + BATCH);
      w.begin((stop - start) * 16);
      const buf = w.buffer;
      let p = w.pos;
      for (let k = start; k < stop; k++) {
        const h = hashes[k] as Uint8Array;
        for (let i = 0; i < 16; i++) buf[p++] = h[i] as number;
      }
      w.pos = p;
      w.end();
      if (w.readyCount > 0) {
        for (let c = w.takeReady(); c !== undefined; c = w.takeReady()) yield c;
      }
    }
    const last = w.finish();
    if (last !== undefined) yield last;
  },
  decode(bytes: Uint8Array): AmuleCanceledMet {
    if (bytes.length < 1) {
      throw corruptError("canceled.met is empty", 0, "truncated", { length: 1, available: 0 });
    }
    const version = bytes[0] as number;
    if (version !== AMULE_CANCELED_MET_VERSION) {
      throw corruptError(
        `canceled.met version is 0x${version.toString(16).padStart(2, "0")}, expected 0x21`,
        0,
        "bad-header",
        { header: version },
      );
    }
    if (bytes.length < 5) {
      throw corruptError("canceled.met ends inside the entry count", 1, "truncated", {
        length: 4,
        available: bytes.length - 1,
      });
    }
    const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
    const available = bytes.length - 5;
    if (count * 16 > available) {
      throw corruptError(`canceled.met announces ${count} hashes`, 1, "bad-length", {
        length: count * 16,
        available,
      });
    }
    const end = 5 + count * 16;
    if (end !== bytes.length) {
      throw corruptError("bytes follow the last canceled.met hash", end, "trailing-data", {
        length: bytes.length - end,
      });
    }
    // One private copy of the hash list; each hash is a view into it.
    const all = copyBytes(bytes, 5, end);
    const hashes: Uint8Array[] = new Array(count);
    for (let i = 0; i < count; i++) hashes[i] = all.subarray(i * 16, i * 16 + 16);
    return { hashes };
  },
};
