/** The part of `fs.Stats` snapwrite uses. */
export interface FsStats {
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The part of `fs.promises.FileHandle` snapwrite uses. */
export interface FsFileHandle {
  readonly fd: number;
  write(
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<{ bytesWritten: number }>;
  writev(buffers: Uint8Array[], position?: number | null): Promise<{ bytesWritten: number }>;
  read(
    buffer: Uint8Array,
    offset?: number,
    length?: number,
    position?: number | null,
  ): Promise<{ bytesRead: number }>;
  sync(): Promise<void>;
  datasync(): Promise<void>;
  stat(): Promise<FsStats>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file-system port file sinks are built on: a subset of `node:fs/promises`, which satisfies it.
 * `@snapwrite/testkit` provides in-memory, fault-injecting and crash-simulating implementations.
 */
export interface FsPort {
  open(path: string, flags: string | number, mode?: number): Promise<FsFileHandle>;
  rename(oldPath: string, newPath: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string, options: { recursive: true; mode?: number }): Promise<string | undefined>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<FsStats>;
  lstat(path: string): Promise<FsStats>;
  readFile(path: string): Promise<Uint8Array>;
  link(existingPath: string, newPath: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  realpath(path: string): Promise<string>;
  chmod(path: string, mode: number): Promise<void>;
  /**
   * Removes an empty directory. Optional: without it, sink-fs cannot remove the directories a
   * failed write created (they are left, empty).
   */
  rmdir?(path: string): Promise<void>;
}
