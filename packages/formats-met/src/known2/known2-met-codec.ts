import type { Codec } from "@snapwrite/core";
import { createChunkWriter } from "../binary/chunk-writer.js";
import { checkKnown2Entry } from "./check-known2-entry.js";
import { type Known2Met, KNOWN2_MET_VERSION } from "./known2-met.js";
import { readKnown2Entries } from "./read-known2-entries.js";

/**
 * Codec for aMule's/eMule's `known2_64.met` (AICH hashsets, SPEC §4): version 0x02, then entries
 * of a 20-byte root, a uint32 leaf count L and L 20-byte leaves, to the end of the file.
 *
 * `decode` is strict and hardened: every count is checked against the remaining bytes before
 * anything is copied; damage throws `ERR_CORRUPT` with `details.offset`, `details.reason`
 * (`truncated`, `bad-length`, `bad-header`), `details.validLength` (where a client would cut the
 * file: end of the last good entry, 0 for a bad header) and `details.entries` (good entries before
 * the damage). Use {@link salvageKnown2Met} to keep those entries, as the clients do.
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
      w.copy(entry.root);
      w.u32(entry.leaves.length / 20);
      w.copy(entry.leaves);
      for (let chunk = w.takeReady(); chunk !== undefined; chunk = w.takeReady()) yield chunk;
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
