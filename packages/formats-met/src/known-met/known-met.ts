import type { KnownFileRecord } from "./known-file-record.js";

/** known.met header byte: `0x0E` (MET_HEADER) or `0x0F` (64-bit tags / large files). */
export type KnownMetHeader = 0x0e | 0x0f;

/** A known.met file: header byte and records in file order (duplicates kept). */
export interface KnownMet {
  /** Header as stored, or `"auto"` when encoding: 0x0F iff a record's size exceeds 4,290,048,000. */
  readonly header: KnownMetHeader | "auto";
  /** Records in file order. */
  readonly records: readonly KnownFileRecord[];
}

/** Largest file size a client still marks with header 0x0E (OLD_MAX_FILE_SIZE). */
export const OLD_MAX_FILE_SIZE = 4_290_048_000;
