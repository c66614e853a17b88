import type { PersistenceError } from "@snapwrite/core";
import type { Known2Met } from "./known2-met.js";
import { readKnown2Entries } from "./read-known2-entries.js";

/** What {@link salvageKnown2Met} recovered. */
export interface Known2Salvage {
  /** The entries before the first damage (all of them for an intact file). */
  readonly value: Known2Met;
  /**
   * Length a client truncates the file to: the end of the last good entry (1 when only the
   * version byte is good, 0 for a bad or missing version byte, after which the client starts the
   * file afresh). Equals the input length for an intact file.
   */
  readonly validLength: number;
  /** The `ERR_CORRUPT` error describing the damage, or `undefined` for an intact file. */
  readonly error: PersistenceError | undefined;
}

/**
 * Decodes known2_64.met like aMule does on load: never throws for bad input, keeps every entry
 * before the first damage and reports where the file should be cut (docs/met-format.md#known2_64met: "bad header /
 * truncated entry → file truncated to the last good entry").
 *
 * @example
 * ```ts
 * const { value, validLength, error } = salvageKnown2Met(bytes);
 * if (error) await truncate("known2_64.met", validLength);
 * ```
 */
export function salvageKnown2Met(bytes: Uint8Array): Known2Salvage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("salvageKnown2Met needs a Uint8Array");
  const scan = readKnown2Entries(bytes);
  return { value: { entries: scan.entries }, validLength: scan.validLength, error: scan.error };
}
