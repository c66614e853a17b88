import type { FsFileHandle } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/core/codec-kit";
import type { InodeId } from "./crash-model.js";
import type { CrashRecorder } from "./crash-recorder.js";
import { isMemoryFileHandle } from "./memory-handle.js";
import type { OpenFlags } from "./open-flags.js";

/** The first `total` bytes of `buffers`, as one array. */
function firstBytes(buffers: readonly Uint8Array[], total: number): Uint8Array {
  const all = concatChunks(buffers);
  return all.byteLength === total ? all : all.slice(0, total);
}

/**
 * Wraps a live file handle so its writes, fsyncs and chmods are recorded for the crash model.
 * Internal.
 */
export function wrapHandle(
  recorder: CrashRecorder,
  handle: FsFileHandle,
  id: InodeId,
  path: string,
  flags: OpenFlags,
): FsFileHandle {
  if (!isMemoryFileHandle(handle)) throw new Error("crashable fs: foreign handle");
  const recordWrite = async (
    buffers: readonly Uint8Array[],
    position: number | null | undefined,
    syscall: "write" | "writev",
  ) => {
    // The live write picks its offset and runs in one step, so concurrent writes are recorded
    // where they really landed.
    const { bytesWritten, at } = handle.writeLanded(buffers, position, syscall);
    if (bytesWritten > 0) {
      recorder.record(
        { t: "write", ino: id, pos: at, data: firstBytes(buffers, bytesWritten) },
        { op: "write", path, position: at, bytes: bytesWritten },
      );
      // A crash between the two records is a crash during the write: not durable, not returned.
      if (flags.syncWrites) recorder.record({ t: "fsync", ino: id }, { op: "fsync", path });
    }
    return { bytesWritten };
  };
  const sync = async (run: () => Promise<void>) => {
    await run();
    recorder.record({ t: "fsync", ino: id }, { op: "fsync", path });
  };
  return {
    fd: handle.fd,
    write(buffer, offset, length, position) {
      const start = offset ?? 0;
      const end = length === undefined ? buffer.byteLength : start + length;
      return recordWrite([buffer.subarray(start, end)], position, "write");
    },
    writev(buffers, position) {
      return recordWrite(buffers, position, "writev");
    },
    read: (buffer, offset, length, position) => handle.read(buffer, offset, length, position),
    sync: () => sync(() => handle.sync()),
    datasync: () => sync(() => handle.datasync()),
    stat: () => handle.stat(),
    async chmod(mode) {
      await handle.chmod(mode);
      recorder.record({ t: "mode", ino: id, mode }, { op: "chmod", path });
    },
    close: () => handle.close(),
  };
}
