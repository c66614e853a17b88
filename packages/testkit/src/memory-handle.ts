import type { FsFileHandle, FsStats } from "@snapwrite/core";
import type { Volume } from "memfs";
import type { OpenFlags } from "./open-flags.js";
import { createOsError } from "./os-error.js";

/** memfs's FileHandle: the port's handle, except that `stat()` returns memfs's own stats. Internal. */
export type MemfsHandle = Omit<FsFileHandle, "stat"> & { stat(): Promise<unknown> };

/** A write and the file offset it landed at. Internal. */
export interface LandedWrite {
  readonly bytesWritten: number;
  readonly at: number;
}

/** A {@link createMemoryFs} file handle, which also tells where a write landed. Internal. */
export interface MemoryFileHandle extends FsFileHandle {
  /** Writes `buffers` now and tells where they landed; `syscall` names the call in errors. */
  writeLanded(
    buffers: readonly Uint8Array[],
    position: number | null | undefined,
    syscall: "write" | "writev",
  ): LandedWrite;
}

/** Whether `handle` is a {@link createMemoryFileHandle} handle. Internal. */
export function isMemoryFileHandle(handle: FsFileHandle): handle is MemoryFileHandle {
  return typeof (handle as Partial<MemoryFileHandle>).writeLanded === "function";
}

/**
 * A {@link createMemoryFs} file handle (a plain object, so tests can spread it into a double).
 * Reads and writes run on the volume synchronously, so the offset a write lands at (the file
 * size for `O_APPEND`, which ignores `position` as on Linux; `position`; or the handle's own file
 * position) is chosen atomically with the write, however many writes run concurrently. Like
 * Linux, writing through a handle opened for reading only, reading through one opened for
 * writing only, and any use after `close` fail with `EBADF`. Internal.
 */
export function createMemoryFileHandle(
  vol: Volume,
  handle: MemfsHandle,
  flags: OpenFlags,
): MemoryFileHandle {
  const fd = handle.fd;
  let cursor = 0;
  let closed = false;
  const assertUsable = (syscall: string, allowed = true): void => {
    if (closed || !allowed) throw createOsError("EBADF", syscall);
  };
  const writeLanded = (
    buffers: readonly Uint8Array[],
    position: number | null | undefined,
    syscall: "write" | "writev",
  ): LandedWrite => {
    assertUsable(syscall, flags.writable);
    const explicit = typeof position === "number";
    const at = flags.append ? Number(vol.fstatSync(fd).size) : explicit ? position : cursor;
    // memfs, like Linux, writes an O_APPEND handle's data at the end whatever the position.
    const bytesWritten = vol.writevSync(fd, [...buffers], flags.append ? null : at);
    if (!explicit || flags.append) cursor = at + bytesWritten;
    return { bytesWritten, at };
  };
  return {
    fd,
    writeLanded,
    async write(buffer, offset, length, position) {
      const start = offset ?? 0;
      const end = length === undefined ? buffer.byteLength : start + length;
      const { bytesWritten } = writeLanded([buffer.subarray(start, end)], position, "write");
      return { bytesWritten };
    },
    async writev(buffers, position) {
      const { bytesWritten } = writeLanded(buffers, position, "writev");
      return { bytesWritten };
    },
    async read(buffer, offset, length, position) {
      assertUsable("read", flags.readable);
      const start = offset ?? 0;
      const size = length ?? buffer.byteLength - start;
      const explicit = typeof position === "number";
      const at = explicit ? position : cursor;
      const bytesRead = vol.readSync(fd, buffer, start, size, at);
      if (!explicit) cursor = at + bytesRead;
      return { bytesRead };
    },
    async sync() {
      assertUsable("fsync");
      await handle.sync();
    },
    async datasync() {
      assertUsable("fdatasync");
      await handle.datasync();
    },
    async stat() {
      assertUsable("fstat");
      return (await handle.stat()) as FsStats;
    },
    async chmod(mode) {
      assertUsable("fchmod");
      await handle.chmod(mode);
    },
    async close() {
      closed = true;
      await handle.close();
    },
  };
}
