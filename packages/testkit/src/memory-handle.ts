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

/**
 * A {@link createMemoryFs} file handle. Reads and writes run on the volume synchronously, so the
 * offset a write lands at (the file size for `O_APPEND`, which ignores `position` as on Linux;
 * `position`; or the handle's own file position) is chosen atomically with the write, however
 * many writes run concurrently. Like Linux, writing through a handle opened for reading only,
 * reading through one opened for writing only, and any use after `close` fail with `EBADF`.
 * Internal.
 */
export class MemoryFileHandle implements FsFileHandle {
  readonly fd: number;
  private cursor = 0;
  private closed = false;

  constructor(
    private readonly vol: Volume,
    private readonly handle: MemfsHandle,
    private readonly flags: OpenFlags,
  ) {
    this.fd = handle.fd;
  }

  async write(
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<{ bytesWritten: number }> {
    const start = offset ?? 0;
    const end = length === undefined ? buffer.byteLength : start + length;
    const { bytesWritten } = this.writeLanded([buffer.subarray(start, end)], position, "write");
    return { bytesWritten };
  }

  async writev(buffers: Uint8Array[], position?: number | null): Promise<{ bytesWritten: number }> {
    const { bytesWritten } = this.writeLanded(buffers, position, "writev");
    return { bytesWritten };
  }

  /** Writes `buffers` now and tells where they landed. */
  writeLanded(
    buffers: readonly Uint8Array[],
    position: number | null | undefined,
    syscall = "writev",
  ): LandedWrite {
    this.assertUsable(syscall, this.flags.writable);
    const explicit = typeof position === "number";
    const at = this.flags.append
      ? Number(this.vol.fstatSync(this.fd).size)
      : explicit
        ? position
        : this.cursor;
    // memfs, like Linux, writes an O_APPEND handle's data at the end whatever the position.
    const bytesWritten = this.vol.writevSync(this.fd, [...buffers], this.flags.append ? null : at);
    if (!explicit || this.flags.append) this.cursor = at + bytesWritten;
    return { bytesWritten, at };
  }

  async read(
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<{ bytesRead: number }> {
    this.assertUsable("read", this.flags.readable);
    const start = offset ?? 0;
    const size = length ?? buffer.byteLength - start;
    const explicit = typeof position === "number";
    const at = explicit ? position : this.cursor;
    const bytesRead = this.vol.readSync(this.fd, buffer, start, size, at);
    if (!explicit) this.cursor = at + bytesRead;
    return { bytesRead };
  }

  async sync(): Promise<void> {
    this.assertUsable("fsync");
    await this.handle.sync();
  }

  async datasync(): Promise<void> {
    this.assertUsable("fdatasync");
    await this.handle.datasync();
  }

  async stat(): Promise<FsStats> {
    this.assertUsable("fstat");
    return (await this.handle.stat()) as FsStats;
  }

  async chmod(mode: number): Promise<void> {
    this.assertUsable("fchmod");
    await this.handle.chmod(mode);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.handle.close();
  }

  private assertUsable(syscall: string, allowed = true): void {
    if (this.closed || !allowed) throw createOsError("EBADF", syscall);
  }
}
