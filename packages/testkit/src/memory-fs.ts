import { posix } from "node:path";
import type { FsPort, FsStats } from "@snapwrite/core";
import { memfs, type Volume } from "memfs";
import { createMemoryFileHandle, type MemfsHandle } from "./memory-handle.js";
import { checkLink, checkMkdir, checkRename, checkUnlink } from "./memory-posix.js";
import { parseFlags } from "./open-flags.js";

/** Initial content of a {@link createMemoryFs} file system: absolute path → content (`null`: empty directory). */
export type MemoryFsFiles = Readonly<Record<string, string | Uint8Array | null>>;

/**
 * An in-memory {@link FsPort} backed by memfs, with the underlying volume exposed for inspection.
 * Errors are memfs's Node-shaped system errors (`code`, `errno`, `syscall`, `path`).
 */
export interface MemoryFs extends FsPort {
  /** The memfs volume holding the files; use it for synchronous inspection or setup in tests. */
  readonly vol: Volume;
  /** Every file as UTF-8 text and every empty directory as `null`, keyed by absolute path. */
  toJSON(): Record<string, string | null>;
  /** Every file's bytes and every empty directory as `null`, keyed by absolute path. */
  toBinary(): Record<string, Uint8Array | null>;
}

/**
 * Creates an in-memory file system on memfs that satisfies {@link FsPort}: `open` returns a file
 * handle with `write`/`writev`/`read`/`sync`/`datasync`/`stat`/`chmod`/`close`; `open(dir, "r")`
 * followed by `sync()` works the way sink-fs fsyncs a directory; `"wx"` fails with `EEXIST`.
 * Where memfs differs from Linux in ways sinks depend on, it behaves like Linux: a handle opened
 * `"r"` cannot write (`EBADF`), a closed handle cannot be used (`EBADF`), concurrent writes land
 * one after another, `rename` enforces the directory rules and does nothing between two links
 * of one file, `mkdir -p` over a file, `link` of a directory and `unlink` of a directory fail.
 * `files` maps absolute paths to their content; parent directories are created.
 */
export function createMemoryFs(files: MemoryFsFiles = {}): MemoryFs {
  const json: Record<string, string | Buffer | null> = {};
  for (const [path, content] of Object.entries(files)) {
    json[path] =
      content === null || typeof content === "string"
        ? content
        : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  }
  const { fs, vol } = memfs(json, "/");
  const p = fs.promises;
  const port: MemoryFs = {
    vol,
    async open(path, flags, mode) {
      const handle = await p.open(path, flags, mode);
      return createMemoryFileHandle(vol, handle as unknown as MemfsHandle, parseFlags(flags));
    },
    async rename(oldPath, newPath) {
      if (checkRename(vol, oldPath, newPath) === "noop") return;
      await p.rename(oldPath, newPath);
    },
    async unlink(path) {
      checkUnlink(vol, path);
      await p.unlink(path);
    },
    async mkdir(path, options) {
      // Node resolves with the first directory created; memfs with the full path.
      checkMkdir(vol, path);
      let first: string | undefined;
      for (let at = posix.resolve("/", path); !vol.existsSync(at); at = posix.dirname(at)) {
        first = at;
        if (at === "/") break;
      }
      await p.mkdir(path, options);
      return first;
    },
    async readdir(path) {
      const names = await p.readdir(path);
      return names.map((name) => String(name));
    },
    async stat(path) {
      return (await p.stat(path)) as unknown as FsStats;
    },
    async lstat(path) {
      return (await p.lstat(path)) as unknown as FsStats;
    },
    async readFile(path) {
      const data = (await p.readFile(path)) as Buffer;
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    },
    async link(existingPath, newPath) {
      checkLink(vol, existingPath, newPath);
      await p.link(existingPath, newPath);
    },
    async symlink(target, path) {
      await p.symlink(target, path);
    },
    async readlink(path) {
      return String(await p.readlink(path));
    },
    async realpath(path) {
      return String(await p.realpath(path));
    },
    async chmod(path, mode) {
      await p.chmod(path, mode);
    },
    async rmdir(path) {
      await p.rmdir(path);
    },
    toJSON() {
      return vol.toJSON() as Record<string, string | null>;
    },
    toBinary() {
      const out: Record<string, Uint8Array | null> = {};
      for (const [path, text] of Object.entries(vol.toJSON())) {
        if (text === null) {
          out[path] = null;
        } else {
          const data = vol.readFileSync(path) as Buffer;
          out[path] = new Uint8Array(data);
        }
      }
      return out;
    },
  };
  return port;
}
