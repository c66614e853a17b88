import { constants } from "node:fs";
import type { FsFileHandle } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/core/codec-kit";
import type { InodeId } from "./crash-model.js";
import type { CrashRecorder } from "./crash-recorder.js";

/** What an `open` flag string or number asks for. Internal. */
export interface OpenFlags {
  readonly create: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
  /** `O_DSYNC` / `O_SYNC`: a write is durable once it returns, as if followed by `fdatasync`. */
  readonly syncWrites: boolean;
}

/** `O_DSYNC | O_SYNC` where the platform has them (0 elsewhere). */
const SYNC_WRITE_FLAGS = (constants.O_DSYNC ?? 0) | (constants.O_SYNC ?? 0);

/** Reads the `open` flags that matter to the crash model. Internal. */
export function parseFlags(flags: string | number): OpenFlags {
  if (typeof flags === "number") {
    return {
      create: (flags & constants.O_CREAT) !== 0,
      truncate: (flags & constants.O_TRUNC) !== 0,
      append: (flags & constants.O_APPEND) !== 0,
      syncWrites: (flags & SYNC_WRITE_FLAGS) !== 0,
    };
  }
  const letter = flags.replace(/[+sx]/g, "");
  return {
    create: letter.startsWith("w") || letter.startsWith("a"),
    truncate: letter.startsWith("w"),
    append: letter.startsWith("a"),
    syncWrites: flags.includes("s"),
  };
}

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
  let cursor = 0;
  const recordWrite = async (
    buffers: readonly Uint8Array[],
    position: number | null | undefined,
    run: () => Promise<{ bytesWritten: number }>,
  ) => {
    let pos: number;
    if (typeof position === "number") pos = position;
    else if (flags.append) pos = (await handle.stat()).size;
    else pos = cursor;
    const result = await run();
    if (typeof position !== "number") cursor = pos + result.bytesWritten;
    if (result.bytesWritten > 0) {
      recorder.record(
        { t: "write", ino: id, pos, data: firstBytes(buffers, result.bytesWritten) },
        { op: "write", path, position: pos, bytes: result.bytesWritten },
      );
      // A crash between the two records is a crash during the write: not durable, not returned.
      if (flags.syncWrites) recorder.record({ t: "fsync", ino: id }, { op: "fsync", path });
    }
    return { bytesWritten: result.bytesWritten };
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
      return recordWrite([buffer.subarray(start, end)], position, () =>
        handle.write(buffer, offset, length, position),
      );
    },
    writev(buffers, position) {
      return recordWrite(buffers, position, () => handle.writev(buffers, position));
    },
    async read(buffer, offset, length, position) {
      const result = await handle.read(buffer, offset, length, position);
      if (typeof position !== "number") cursor += result.bytesRead;
      return result;
    },
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
