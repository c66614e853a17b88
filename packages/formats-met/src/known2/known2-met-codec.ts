import type { Codec } from "@snapwrite/core";
import { createChunkWriter } from "@snapwrite/core/codec-kit";
import { checkKnown2Entry } from "./check-known2-entry.js";
import { KNOWN2_MET_VERSION, type Known2Met } from "./known2-met.js";
import { readKnown2Entries } from "./read-known2-entries.js";

const SMALL_LEAVES = 20 * 8;

/**
 * Codec for aMule's/eMule's `known2_64.met` (AICH hashsets, docs/met-format.md#known2_64met): version 0x02, then entries
 * of a 20-byte root, a uint32 leaf count L and L 20-byte leaves, to the end of the file.
 *
 * `decode` is strict and hardened: every count is checked against the remaining bytes before
 * anything is copied; damage throws `ERR_CORRUPT` with `details.offset`, `details.reason`
 * (`truncated`, `bad-length`, `bad-header`), `details.validLength` (where a client would cut the
 * file: end of the last good entry, 0 for a bad header) and `details.entries` (good entries before
 * the damage). Use {@link salvageKnown2Met} to keep those entries, as the clients do. Decoded
 * roots and leaves are views into one private copy of the input (never into the input itself).
 * `encode` reproduces the input of `decode` byte for byte.
 */
export const known2MetCodec: Codec<Known2Met> = {
  name: "known2_64.met",
  *encode(value: Known2Met): Iterable<Uint8Array> {
    const entries = value.entries;
    for (let i = 0; i < entries.length; i++) checkKnown2Entry(entries[i], i);
    const w = createChunkWriter();
    w.u8(KNOWN2_MET_VERSION);
    for (const entry of entries) {
      const leaves = entry.leaves;
      if (leaves.length <= SMALL_LEAVES) {
        // Small entries (most files have a handful of leaves): one contiguous write, bytes copied
        // by hand, because TypedArray.set costs more than the copy itself at this size.
        w.begin(24 + leaves.length);
        const buf = w.buffer;
        const p = w.pos;
        const root = entry.root;
        for (let i = 0; i < 20; i++) buf[p + i] = root[i] as number;
        w.view.setUint32(p + 20, leaves.length / 20, true);
        for (let i = 0; i < leaves.length; i++) buf[p + 24 + i] = leaves[i] as number;
        w.pos = p + 24 + leaves.length;
        w.end();
      } else {
        w.copy(entry.root);
        w.u32(leaves.length / 20);
        w.copy(leaves);
      }
      if (w.readyCount > 0) {
        for (let chunk = w.takeReady(); chunk !== undefined; chunk = w.takeReady()) yield chunk;
      }
    }
    const last = w.finish();
    if (last !== undefined) yield last;
  },
  decode(bytes: Uint8Array): Known2Met {
    const scan = readKnown2Entries(bytes);
    if (scan.error !== undefined) throw scan.error;
    return { entries: scan.entries };
  },
};
