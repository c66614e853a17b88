import type { MetTag } from "../tags/met-tag.js";

/** Media metadata found in a record's tags (FT_MEDIA_* ids, or eMule's old string names). */
export interface KnownFileMedia {
  /** FT_MEDIA_ARTIST 0xD0 or string name "Artist". */
  readonly artist?: string;
  /** FT_MEDIA_ALBUM 0xD1 or "Album". */
  readonly album?: string;
  /** FT_MEDIA_TITLE 0xD2 or "Title". */
  readonly title?: string;
  /** FT_MEDIA_LENGTH 0xD3 or "length", seconds. */
  readonly length?: number;
  /** FT_MEDIA_BITRATE 0xD4 or "bitrate". */
  readonly bitrate?: number;
  /** FT_MEDIA_CODEC 0xD5 or "codec". */
  readonly codec?: string;
}

/**
 * One known.met record (docs/met-format.md#record-layout), as decoded by {@link decodeKnownMet} or built by
 * `createKnownFileRecord` / `assembleKnownFileRecord`.
 *
 * A record is an immutable view over its exact wire bytes: `date`, `hash`, `partHashes` and
 * `tags` are read from them, so encoding writes them back byte for byte. Decoded records
 * reference the decoder's input buffer (no copy is made; the input is never mutated) — do not
 * modify that buffer while the records are in use. Every accessor computes its value on access
 * (views and strings are created then, not at decode time), so read each one once in hot loops.
 */
export interface KnownFileRecord {
  /** The record's exact wire bytes (a view). */
  readonly bytes: Uint8Array;
  /** Last-write date of the file: uint32 Unix seconds. */
  readonly date: number;
  /** MD4 ed2k file hash: 16 bytes (a view). */
  readonly hash: Uint8Array;
  /** Number of part hashes P. */
  readonly partHashCount: number;
  /** The P part hashes back to back: 16·P bytes (a view). */
  readonly partHashes: Uint8Array;
  /** Number of tags. */
  readonly tagCount: number;
  /** Every tag in wire order, duplicates kept (a new array of views per access). */
  readonly tags: readonly MetTag[];
  /** First FT_FILENAME (display name); `undefined` when absent or not a string. */
  readonly name: string | undefined;
  /**
   * Every FT_FILENAME value in order (aMule writes the display name, then the "universal" form:
   * the file name's bytes read as Latin-1 and UTF-8 encoded again).
   */
  readonly names: readonly string[];
  /** FT_FILESIZE of any integer width, exact (the last one, as the clients read it); `undefined` when absent or not an integer. */
  readonly size: bigint | undefined;
  /** {@link KnownFileRecord.size} as a number when it is a safe integer, else `undefined`. */
  readonly sizeNumber: number | undefined;
  /** FT_AICH_HASH decoded from base32: the 20-byte AICH root; `undefined` when absent or invalid. */
  readonly aichHash: Uint8Array | undefined;
  /** FT_LASTSHARED (eMule), Unix seconds. */
  readonly lastShared: number | undefined;
  /** FT_ATREQUESTED: all-time requests (last tag wins). */
  readonly requests: number | undefined;
  /** FT_ATACCEPTED: all-time accepted uploads (last tag wins). */
  readonly accepted: number | undefined;
  /**
   * All-time uploaded bytes from FT_ATTRANSFERRED (low 32 bits) and FT_ATTRANSFERREDHI (high 32
   * bits). Like aMule, every such tag is added to the total (duplicates accumulate); 0n when absent.
   */
  readonly transferred: bigint;
  /** FT_ULPRIORITY as stored (0 low, 1 normal, 2 high, 3 very high, 4 very low, 5 auto, 6 powershare). */
  readonly priority: number | undefined;
  /** FT_KADLASTPUBLISHSRC, Unix seconds. */
  readonly kadLastPublishSrc: number | undefined;
  /** FT_KADLASTPUBLISHNOTES, Unix seconds. */
  readonly kadLastPublishNotes: number | undefined;
  /** FT_FLAGS (eMule), low 4 bits = metadata version. */
  readonly flags: number | undefined;
  /** Media metadata tags. */
  readonly media: KnownFileMedia;
}
