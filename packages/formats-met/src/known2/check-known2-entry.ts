import { PersistenceError } from "@snapwrite/core";

/** Throws `ERR_ENCODE` unless the entry has a 20-byte root and whole 20-byte leaves. */
export function checkKnown2Entry(entry: unknown, index: number): void {
  const e = entry as { root?: unknown; leaves?: unknown } | undefined;
  const ok =
    e !== undefined &&
    e !== null &&
    e.root instanceof Uint8Array &&
    e.root.length === 20 &&
    e.leaves instanceof Uint8Array &&
    e.leaves.length % 20 === 0 &&
    e.leaves.length / 20 <= 0xffffffff;
  if (!ok) {
    throw new PersistenceError(
      "ERR_ENCODE",
      `known2_64.met entry ${index} needs a 20-byte root and leaves of 20 bytes each`,
      { details: { entry: index } },
    );
  }
}
