import type { MetTag } from "../tags/met-tag.js";

/** Header byte of the current eMule cancelled.met format (MET_HEADER_I64TAGS). */
export const EMULE_CANCELLED_HEADER = 0x0f;
/** Header byte of the old eMule cancelled.met format (MET_HEADER): plain hashes, no seed. */
export const EMULE_CANCELLED_HEADER_OLD = 0x0e;
/** Version byte eMule writes after the 0x0F header; files with a higher one are ignored by eMule. */
export const EMULE_CANCELLED_VERSION = 0x01;

/** One entry of eMule's cancelled.met. */
export interface EmuleCancelledEntry {
  /**
   * 16 bytes: in the salted format MD5(seed as 4 LE bytes ‖ MD4 file hash) (see
   * {@link cancelledFileId}); in the old format the plain MD4 file hash.
   */
  readonly id: Uint8Array;
  /**
   * The entry's tags in wire form (eMule reads and discards them, and writes none); kept so that a
   * decoded file re-encodes byte for byte. At most 255.
   */
  readonly tags: readonly MetTag[];
}

/** A decoded eMule `cancelled.met` (docs/met-format.md#emule-cancelledmet). */
export interface EmuleCancelledMet {
  /**
   * `"salted"`: header 0x0F, version byte, seed, entries hold salted ids (what eMule writes).
   * `"legacy"`: header 0x0E, no version or seed, entries hold plain MD4 hashes (old eMule;
   * converted on load).
   */
  readonly format: "salted" | "legacy";
  /** The version byte (0 or 1) of the salted format; 0 for the legacy format (not written). */
  readonly version: number;
  /**
   * The uint32 salt of the salted format, 1..0xFFFFFFFE when set by eMule; 0 means "none yet"
   * (eMule then picks a new one, and existing entries stop matching). 0 for the legacy format.
   */
  readonly seed: number;
  /** Entries in file order. */
  readonly entries: readonly EmuleCancelledEntry[];
}
