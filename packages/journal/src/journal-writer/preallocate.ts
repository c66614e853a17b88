import { toPersistenceError } from "@snapwrite/core";
import { writeAllAt } from "../journal-fs.js";
import { assertLockForStep } from "./lock-guard.js";
import type { WriterState } from "./writer-state.js";

/** How far the zero-filled space may reach past `maxSegmentBytes`: room for the group that crosses it. */
export const PREALLOCATE_HEADROOM_BYTES = 64 * 1024;

/** Size of the one zero buffer an extension's `writev` repeats. */
const ZERO_PIECE_BYTES = 1024 * 1024;

let zeroPiece: Uint8Array | undefined;

/** `bytes` of zeros as parts of one `writev`, all views of one shared (never written) buffer. */
function zeroParts(bytes: number): Uint8Array[] {
  zeroPiece ??= new Uint8Array(ZERO_PIECE_BYTES);
  const parts: Uint8Array[] = [];
  for (let left = bytes; left > 0; left -= ZERO_PIECE_BYTES) {
    parts.push(left >= ZERO_PIECE_BYTES ? zeroPiece : zeroPiece.subarray(0, left));
  }
  return parts;
}

/** The range of zeros the active segment needs now, if any. */
function neededRange(w: WriterState): { from: number; to: number } | undefined {
  if (!w.preallocating || w.handle === undefined || w.readOnlyError !== undefined) return undefined;
  // Only with every written byte synced: the extension's sync then covers zeros alone.
  if (w.syncedPosition !== w.position) return undefined;
  const from = Math.max(w.allocatedEnd, w.position);
  if (from - w.position >= w.preallocateBytes / 2) return undefined;
  const to = Math.min(
    w.position + w.preallocateBytes,
    w.maxSegmentBytes + PREALLOCATE_HEADROOM_BYTES,
  );
  return to > from ? { from, to } : undefined;
}

/**
 * Tops up the zero-filled space ahead of the write position once less than half of
 * `preallocateBytes` is left: one `writev` of zeros after the allocated end, then an `fdatasync`
 * (none with `O_DSYNC`, where the write is its own sync). A group then overwrites blocks that are
 * already allocated and inside the file's size, so its sync has no metadata to commit. Runs in the
 * writer's queue between groups, after the acknowledgements of the group before it. A failure
 * fails nothing: preallocation stops until the next segment and groups append as without it; the
 * file stays valid (whatever part of the zeros reached the disk reads as the clean end).
 */
export async function extendWindow(w: WriterState): Promise<void> {
  const range = neededRange(w);
  if (range === undefined) return;
  const handle = w.handle as NonNullable<WriterState["handle"]>;
  const bytes = range.to - range.from;
  try {
    // Zeros written after a freeze that cost the lock would land on another holder's records.
    await assertLockForStep(w);
    await writeAllAt(handle, zeroParts(bytes), range.from);
    if (w.syncWriteFlag === 0) await handle.datasync();
  } catch (error) {
    w.preallocating = false;
    w.emit({
      type: "preallocation-stopped",
      file: w.file,
      error: toPersistenceError(error, { stage: "write", target: w.file }),
    });
    return;
  }
  w.allocatedEnd = range.to;
}
