import type { PersistenceError } from "@snapwrite/core";
import { corruptError } from "@snapwrite/core/codec-kit";
import { copyBytes } from "../canceled/copy-bytes.js";
import { KNOWN2_MET_VERSION, type Known2Entry } from "./known2-met.js";

/** Result of a scan of known2_64.met bytes: the good entries, where they end, and the damage. */
export interface Known2Scan {
  readonly entries: Known2Entry[];
  /** End of the last good entry (1 after a good version byte with no entries; 0 for a bad header). */
  readonly validLength: number;
  /** Why scanning stopped before the end of the input, if it did. */
  readonly error: PersistenceError | undefined;
}

/**
 * Walks known2_64.met entries to EOF, checking every count against the remaining bytes before
 * copying anything. Stops at the first damage instead of throwing.
 */
export function readKnown2Entries(input: Uint8Array): Known2Scan {
  // One private copy; entries are views into it (one allocation per hash instead of two).
  const bytes = copyBytes(input, 0, input.length);
  const entries: Known2Entry[] = [];
  const end = bytes.length;
  if (end === 0) {
    return {
      entries,
      validLength: 0,
      error: corruptError("known2_64.met is empty: no version byte", 0, "truncated", {
        validLength: 0,
        entries: 0,
        length: 1,
        available: 0,
      }),
    };
  }
  const version = bytes[0] as number;
  if (version !== KNOWN2_MET_VERSION) {
    return {
      entries,
      validLength: 0,
      error: corruptError(
        `known2_64.met version is 0x${version.toString(16).padStart(2, "0")}, expected 0x02`,
        0,
        "bad-header",
        { header: version, validLength: 0, entries: 0 },
      ),
    };
  }
  let p = 1;
  while (p < end) {
    const left = end - p;
    if (left < 24) {
      return {
        entries,
        validLength: p,
        error: corruptError(
          "Input ends inside an AICH entry's root or leaf count",
          p,
          "truncated",
          {
            entries: entries.length,
            validLength: p,
            length: 24,
            available: left,
          },
        ),
      };
    }
    const count =
      ((bytes[p + 20] as number) |
        ((bytes[p + 21] as number) << 8) |
        ((bytes[p + 22] as number) << 16) |
        ((bytes[p + 23] as number) << 24)) >>>
      0;
    const available = left - 24;
    if (count * 20 > available) {
      return {
        entries,
        validLength: p,
        error: corruptError(
          `AICH entry announces ${count} leaves (${count * 20} bytes) but ${available} bytes are left`,
          p + 20,
          "bad-length",
          { entries: entries.length, validLength: p, length: count * 20, available },
        ),
      };
    }
    entries.push({
      root: bytes.subarray(p, p + 20),
      leaves: bytes.subarray(p + 24, p + 24 + count * 20),
    });
    p += 24 + count * 20;
  }
  return { entries, validLength: p, error: undefined };
}
