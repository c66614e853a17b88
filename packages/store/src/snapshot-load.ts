import type { Codec, PersistenceError, Sink } from "@snapwrite/core";
import { loadTarget } from "@snapwrite/core";
import type { LoadedSnapshot, SnapshotStore } from "@snapwrite/journal";

/**
 * Whether a snapshot that failed to load may be passed over for an older one: only when its bytes
 * do not decode (`ERR_CORRUPT`) or it is gone (`ERR_NOT_FOUND`, pruned since the listing). A
 * snapshot that exists but cannot be read (`ERR_PERMISSION`, `ERR_IO`, `ERR_BUSY`, a FIFO or a
 * device at its name: `ERR_INVALID_TARGET`, …) may be perfectly good: loading an older one instead
 * would need journal records that a compaction has deleted, and report that as damage.
 */
function passable(error: PersistenceError): boolean {
  return error.code === "ERR_CORRUPT" || error.code === "ERR_NOT_FOUND";
}

/**
 * Loads the newest snapshot of `snapshots` that decodes, reading it through `sink`: a newer one
 * that is corrupt is skipped (moved aside when the sink has `quarantine`) or, when gone, passed
 * over; any other failure to read one rejects with that read's own error (the OS code mapped by the
 * sink, `details.osCode`), and nothing is moved aside for it. `undefined` when there is none.
 */
export async function loadNewestSnapshot<T>(
  snapshots: SnapshotStore,
  sink: Sink,
  codec: Codec<T>,
): Promise<LoadedSnapshot<T> | undefined> {
  const skipped: { seq: number; error: PersistenceError; quarantinedTo?: string | undefined }[] =
    [];
  for (const seq of await snapshots.list()) {
    const loaded = await loadTarget(sink, snapshots.targetOf(seq), codec, { backup: false });
    if (loaded.ok) {
      return {
        seq,
        value: loaded.value,
        bytes: loaded.bytes,
        source: skipped.length === 0 ? "snapshot" : "previous-snapshot",
        skipped,
      };
    }
    if (!passable(loaded.error)) throw loaded.error;
    skipped.push({ seq, error: loaded.error, quarantinedTo: loaded.quarantinedTo });
  }
  return undefined;
}
