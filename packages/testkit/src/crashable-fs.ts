import { constants } from "node:fs";
import { posix } from "node:path";
import type { FsFileHandle, FsPort } from "@snapwrite/core";
import {
  choicesAt,
  type InodeId,
  type InodeInfo,
  type ModelBase,
  type ModelOp,
  materialize,
  toMemoryFs,
} from "./crash-model.js";
import { createMemoryFs, type MemoryFs, type MemoryFsFiles } from "./memory-fs.js";

/** Options of {@link createCrashableFs}. */
export interface CrashableFsOptions {
  /** Initial content (absolute path → content, `null` for an empty directory); it is durable. */
  readonly files?: MemoryFsFiles | undefined;
  /** Seed of the sampling used when a crash point has more states than its share of `maxStates`. Default 1. */
  readonly seed?: number | undefined;
  /** Bound on the states {@link CrashableFs.crashStates} returns (every crash point keeps at least its two extremes). Default 2000. */
  readonly maxStates?: number | undefined;
}

/** One persistence-relevant operation in {@link CrashableFs.trace}. */
export interface CrashTraceEntry {
  /** 1-based position; a crash "after operation `seq`" has seen this one issued. */
  readonly seq: number;
  /**
   * `create` (open created a file), `mkdir`, `symlink`, `link`, `unlink`, `rename` (a cross-directory
   * rename is two entries: `rename` adding the new name, `rename-unlink` removing the old one),
   * `write`, `truncate`, `chmod`, `fsync` (sync or datasync of a file or directory handle).
   */
  readonly op:
    | "create"
    | "mkdir"
    | "symlink"
    | "link"
    | "unlink"
    | "rename"
    | "rename-unlink"
    | "write"
    | "truncate"
    | "chmod"
    | "fsync";
  /** Path the operation concerns (the handle's path for `write`/`fsync`). */
  readonly path: string;
  /** New path of `rename`/`link`. */
  readonly dest?: string | undefined;
  /** File offset of a `write`. */
  readonly position?: number | undefined;
  /** Bytes stored by a `write`. */
  readonly bytes?: number | undefined;
}

/** Options of {@link CrashableFs.crashStates}. */
export interface CrashStatesOptions {
  /** First crash point, as a number of issued operations (`trace.length` before an action). Default 0. */
  readonly from?: number | undefined;
  /** Last crash point. Default `trace.length`. */
  readonly to?: number | undefined;
  /** Overrides the file system's `maxStates`. */
  readonly maxStates?: number | undefined;
}

/** A state the disk can be in after a power loss. */
export interface CrashState {
  /** Crash point: number of operations issued before the power went. */
  readonly afterOp: number;
  /** `seq` of the un-synced operations that nevertheless reached the disk. */
  readonly persisted: readonly number[];
  /** `seq` → bytes kept, for un-synced writes that reached the disk partially. */
  readonly torn: ReadonlyMap<number, number>;
  /** Human-readable summary, for failure messages. */
  readonly description: string;
  /** Regular files of the state (absolute path → bytes). */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** A fresh file system holding the state (a new one on every call). */
  fs(): MemoryFs;
}

/** An {@link FsPort} that tracks what is durable and can simulate power loss. */
export interface CrashableFs extends FsPort {
  /** The live view: everything written so far, synced or not. */
  readonly live: MemoryFs;
  /** The persistence-relevant operations so far. */
  readonly trace: readonly CrashTraceEntry[];
  /** A new file system with only what survives a power loss now: synced data and synced directory entries. */
  crash(): MemoryFs;
  /**
   * The distinct states a power loss after each operation in `[from, to]` can leave, including
   * those where any subset of un-synced directory changes and any prefix of un-synced writes
   * (the last one possibly torn) reached the disk. Deterministic for a given seed.
   */
  crashStates(options?: CrashStatesOptions): CrashState[];
}

interface OpenFlags {
  readonly create: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
}

function parseFlags(flags: string | number): OpenFlags {
  if (typeof flags === "number") {
    return {
      create: (flags & constants.O_CREAT) !== 0,
      truncate: (flags & constants.O_TRUNC) !== 0,
      append: (flags & constants.O_APPEND) !== 0,
    };
  }
  const letter = flags.replace(/[+sx]/g, "");
  return {
    create: letter.startsWith("w") || letter.startsWith("a"),
    truncate: letter.startsWith("w"),
    append: letter.startsWith("a"),
  };
}

function concat(buffers: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const buffer of buffers) {
    const part = buffer.subarray(0, Math.min(buffer.byteLength, total - at));
    out.set(part, at);
    at += part.byteLength;
    if (at >= total) break;
  }
  return out;
}

/**
 * Creates a memfs-backed {@link FsPort} that tracks durability like a real disk (the LazyFS /
 * ALICE / CrashMonkey idea): file data becomes durable only when that file is fsynced (`sync` or
 * `datasync` on one of its handles); creating, renaming, linking and removing directory entries
 * becomes durable only when the parent directory is fsynced (`open(dir, "r")` then `sync()`).
 * Until then, a crash may keep any subset of those changes — for example a rename whose file
 * data was never fsynced, which leaves an empty or torn target.
 */
export function createCrashableFs(options: CrashableFsOptions = {}): CrashableFs {
  const seed = options.seed ?? 1;
  const defaultMax = options.maxStates ?? 2000;
  if (!(defaultMax >= 1)) throw new RangeError("maxStates must be >= 1");
  const live = createMemoryFs(options.files ?? {});
  const ops: ModelOp[] = [];
  const trace: CrashTraceEntry[] = [];
  const idOfIno = new Map<number, InodeId>();
  const infos = new Map<InodeId, InodeInfo>();
  let nextId = 1;

  const data = new Map<InodeId, Uint8Array>();
  const entries = new Map<InodeId, Map<string, InodeId>>();
  const adopt = (ino: number, info: InodeInfo): InodeId => {
    const id = nextId++;
    idOfIno.set(ino, id);
    infos.set(id, info);
    return id;
  };
  const vol = live.vol;
  const scan = (path: string): InodeId => {
    const stats = vol.lstatSync(path);
    if (stats.isDirectory()) {
      const id = adopt(Number(stats.ino), { kind: "dir", mode: Number(stats.mode) });
      const map = new Map<string, InodeId>();
      entries.set(id, map);
      for (const name of vol.readdirSync(path) as string[]) {
        map.set(name, scan(posix.join(path, name)));
      }
      return id;
    }
    const known = idOfIno.get(Number(stats.ino));
    if (known !== undefined) return known;
    if (stats.isSymbolicLink()) {
      return adopt(Number(stats.ino), {
        kind: "symlink",
        mode: Number(stats.mode),
        link: String(vol.readlinkSync(path)),
      });
    }
    const id = adopt(Number(stats.ino), { kind: "file", mode: Number(stats.mode) });
    data.set(id, new Uint8Array(vol.readFileSync(path) as Buffer));
    return id;
  };
  const root = scan("/");
  const base: ModelBase = { root, infos, data, entries };

  const record = (op: ModelOp, entry: Omit<CrashTraceEntry, "seq">) => {
    ops.push(op);
    trace.push({ ...entry, seq: trace.length + 1 });
  };
  const idOf = async (path: string): Promise<InodeId> => {
    const stats = await live.lstat(path);
    const id = idOfIno.get(stats.ino);
    if (id === undefined) throw new Error(`crashable fs: untracked inode at ${path}`);
    return id;
  };
  const split = async (path: string) => {
    const normalized = posix.resolve("/", path);
    return {
      dir: await idOf(posix.dirname(normalized)),
      name: posix.basename(normalized),
    };
  };
  const exists = async (path: string) => {
    try {
      await live.lstat(path);
      return true;
    } catch {
      return false;
    }
  };

  const wrapHandle = (
    handle: FsFileHandle,
    id: InodeId,
    path: string,
    flags: OpenFlags,
  ): FsFileHandle => {
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
        record(
          { t: "write", ino: id, pos, data: concat(buffers, result.bytesWritten) },
          { op: "write", path, position: pos, bytes: result.bytesWritten },
        );
      }
      return { bytesWritten: result.bytesWritten };
    };
    const sync = async (run: () => Promise<void>) => {
      await run();
      record({ t: "fsync", ino: id }, { op: "fsync", path });
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
        record({ t: "mode", ino: id, mode }, { op: "chmod", path });
      },
      close: () => handle.close(),
    };
  };

  const materializeNow = (point: number): MemoryFs => {
    // With a budget of 1 the first choice is always "nothing un-synced reached the disk".
    const [choice] = choicesAt(ops, point, 1, seed);
    if (choice === undefined) throw new Error("crashable fs: no crash choice");
    return toMemoryFs(materialize(base, ops, choice));
  };

  const port: CrashableFs = {
    live,
    trace,
    async open(path, flagsArg, mode) {
      const flags = parseFlags(flagsArg);
      const existed = await exists(path);
      const before = existed ? await live.stat(path) : undefined;
      const handle = await live.open(path, flagsArg, mode);
      let id: InodeId;
      if (!existed) {
        const stats = await handle.stat();
        const { dir, name } = await split(path);
        id = adopt(stats.ino, { kind: "file", mode: stats.mode });
        record({ t: "set", dir, name, ino: id }, { op: "create", path });
      } else {
        const stats = await handle.stat();
        const known = idOfIno.get(stats.ino);
        if (known === undefined) throw new Error(`crashable fs: untracked inode at ${path}`);
        id = known;
        if (flags.truncate && before !== undefined && before.size > 0) {
          record({ t: "trunc", ino: id, size: 0 }, { op: "truncate", path });
        }
      }
      return wrapHandle(handle, id, path, flags);
    },
    async rename(oldPath, newPath) {
      const from = await split(oldPath);
      const to = await split(newPath);
      const id = await idOf(oldPath);
      await live.rename(oldPath, newPath);
      if (from.dir === to.dir) {
        if (from.name !== to.name) {
          record(
            { t: "move", dir: from.dir, from: from.name, to: to.name, ino: id },
            { op: "rename", path: oldPath, dest: newPath },
          );
        }
      } else {
        record(
          { t: "set", dir: to.dir, name: to.name, ino: id },
          { op: "rename", path: oldPath, dest: newPath },
        );
        record(
          { t: "del", dir: from.dir, name: from.name },
          { op: "rename-unlink", path: oldPath },
        );
      }
    },
    async unlink(path) {
      const { dir, name } = await split(path);
      await live.unlink(path);
      record({ t: "del", dir, name }, { op: "unlink", path });
    },
    async mkdir(path, mkdirOptions) {
      const missing: string[] = [];
      let at = posix.resolve("/", path);
      while (at !== "/" && !(await exists(at))) {
        missing.unshift(at);
        at = posix.dirname(at);
      }
      const created = await live.mkdir(path, mkdirOptions);
      for (const dirPath of missing) {
        const stats = await live.lstat(dirPath);
        const { dir, name } = await split(dirPath);
        const id = adopt(stats.ino, { kind: "dir", mode: stats.mode });
        entries.set(id, new Map());
        record({ t: "set", dir, name, ino: id }, { op: "mkdir", path: dirPath });
      }
      return created;
    },
    readdir: (path) => live.readdir(path),
    stat: (path) => live.stat(path),
    lstat: (path) => live.lstat(path),
    readFile: (path) => live.readFile(path),
    async link(existingPath, newPath) {
      const id = await idOf(existingPath);
      await live.link(existingPath, newPath);
      const { dir, name } = await split(newPath);
      record({ t: "set", dir, name, ino: id }, { op: "link", path: existingPath, dest: newPath });
    },
    async symlink(target, path) {
      await live.symlink(target, path);
      const stats = await live.lstat(path);
      const { dir, name } = await split(path);
      const id = adopt(stats.ino, { kind: "symlink", mode: stats.mode, link: target });
      record({ t: "set", dir, name, ino: id }, { op: "symlink", path, dest: target });
    },
    readlink: (path) => live.readlink(path),
    realpath: (path) => live.realpath(path),
    async chmod(path, mode) {
      const id = await idOf(path);
      await live.chmod(path, mode);
      record({ t: "mode", ino: id, mode }, { op: "chmod", path });
    },
    crash() {
      return materializeNow(ops.length);
    },
    crashStates(stateOptions = {}) {
      const from = Math.max(0, stateOptions.from ?? 0);
      const to = Math.min(ops.length, stateOptions.to ?? ops.length);
      const max = stateOptions.maxStates ?? defaultMax;
      const points = Math.max(1, to - from + 1);
      const budget = Math.max(2, Math.floor(max / points));
      const seen = new Set<string>();
      const states: CrashState[] = [];
      for (let point = from; point <= to; point++) {
        for (const choice of choicesAt(ops, point, budget, seed)) {
          const state = materialize(base, ops, choice);
          if (seen.has(state.key)) continue;
          seen.add(state.key);
          const persisted = choice.lucky.map((index) => index + 1);
          const torn = new Map([...choice.torn].map(([index, bytes]) => [index + 1, bytes]));
          const describeOp = (seq: number) => {
            const entry = trace[seq - 1];
            if (entry === undefined) return `#${seq}`;
            const cut = torn.get(seq);
            const extra = entry.dest === undefined ? "" : ` -> ${entry.dest}`;
            const tear = cut === undefined ? "" : ` (torn: ${cut} of ${entry.bytes} bytes)`;
            return `#${seq} ${entry.op} ${entry.path}${extra}${tear}`;
          };
          const last = trace[point - 1];
          states.push({
            afterOp: point,
            persisted,
            torn,
            description:
              `crash after op ${point}${last === undefined ? " (before any)" : ` (${last.op} ${last.path})`}` +
              `; un-synced ops that reached the disk: ${persisted.length === 0 ? "none" : persisted.map(describeOp).join(", ")}`,
            files: state.files,
            fs: () => toMemoryFs(state),
          });
        }
      }
      return states;
    },
  };
  return port;
}
