/** Version byte of aMule's canceled.met (CANCELEDFILE_VERSION). */
export const AMULE_CANCELED_MET_VERSION = 0x21;

/** A decoded aMule `canceled.met`: plain MD4 file hashes of cancelled downloads, in file order. */
export interface AmuleCanceledMet {
  /** 16-byte MD4 file hashes as stored (aMule writes them sorted, without duplicates). */
  readonly hashes: readonly Uint8Array[];
}
