/** Version byte of known2_64.met (KNOWN2_MET_VERSION). */
export const KNOWN2_MET_VERSION = 0x02;

/** One AICH hashset of known2_64.met. */
export interface Known2Entry {
  /** The 20-byte AICH root ("master hash"). */
  readonly root: Uint8Array;
  /** The leaf hashes, concatenated left to right: 20 bytes each, so `leaves.length / 20` of them. */
  readonly leaves: Uint8Array;
}

/** A decoded known2_64.met: the version byte (always 0x02) and the entries in file order. */
export interface Known2Met {
  /** Entries in file (= hashing) order; a client appends new ones at the end. */
  readonly entries: readonly Known2Entry[];
}
