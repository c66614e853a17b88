import { posix } from "node:path";
import type { FsFileHandle, FsStats } from "@snapwrite/core";
import { choicesAt, type InodeId, materialize, toMemoryFs } from "./crash-model.js";
import { CrashRecorder } from "./crash-recorder.js";
import { type CrashHistory, listCrashStates } from "./crash-states.js";
import type { CrashableFs, CrashableFsOptions } from "./crashable-fs-types.js";
import { wrapHandle } from "./crashable-handle.js";
import { createMemoryFs, type MemoryFs } from "./memory-fs.js";
import { parseFlags } from "./open-flags.js";

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
  const recorder = new CrashRecorder(live);
  const { ops, trace, base } = recorder;
  const history: CrashHistory = { base, ops, trace, seed, defaultMax };

  const materializeNow = (point: number): MemoryFs => {
    // With a budget of 1 the first choice is always "nothing un-synced reached the disk".
    const [choice] = choicesAt(ops, point, 1, seed);
    if (choice === undefined) throw new Error("crashable fs: no crash choice");
    return toMemoryFs(materialize(base, ops, choice));
  };

  const port: CrashableFs = {
    live,
    trace,
    open: (path, flags, mode) => openRecorded(recorder, path, flags, mode),
    rename: (oldPath, newPath) => renameRecorded(recorder, oldPath, newPath),
    async unlink(path) {
      const { dir, name } = await recorder.split(path);
      await live.unlink(path);
      recorder.record({ t: "del", dir, name }, { op: "unlink", path });
    },
    mkdir: (path, mkdirOptions) => mkdirRecorded(recorder, path, mkdirOptions),
    readdir: (path) => live.readdir(path),
    stat: (path) => live.stat(path),
    lstat: (path) => live.lstat(path),
    readFile: (path) => live.readFile(path),
    async link(existingPath, newPath) {
      const id = await recorder.idOf(existingPath);
      await live.link(existingPath, newPath);
      const { dir, name } = await recorder.split(newPath);
      recorder.record(
        { t: "set", dir, name, ino: id },
        { op: "link", path: existingPath, dest: newPath },
      );
    },
    async symlink(target, path) {
      await live.symlink(target, path);
      const stats = await live.lstat(path);
      const { dir, name } = await recorder.split(path);
      const id = recorder.adopt(stats.ino, { kind: "symlink", mode: stats.mode, link: target });
      recorder.record({ t: "set", dir, name, ino: id }, { op: "symlink", path, dest: target });
    },
    readlink: (path) => live.readlink(path),
    realpath: (path) => live.realpath(path),
    async chmod(path, mode) {
      const id = await recorder.idOf(path);
      await live.chmod(path, mode);
      recorder.record({ t: "mode", ino: id, mode }, { op: "chmod", path });
    },
    crash() {
      return materializeNow(ops.length);
    },
    crashStates: (stateOptions = {}) => listCrashStates(history, stateOptions),
  };
  return port;
}

async function openRecorded(
  recorder: CrashRecorder,
  path: string,
  flagsArg: string | number,
  mode: number | undefined,
): Promise<FsFileHandle> {
  const { live } = recorder;
  const flags = parseFlags(flagsArg);
  // `open` follows symbolic links: "w" through a dangling one creates its target.
  const before = await statOrUndefined(live, path);
  const handle = await live.open(path, flagsArg, mode);
  let id: InodeId;
  if (before === undefined) {
    const stats = await handle.stat();
    const { dir, name } = await recorder.split(await live.realpath(path));
    id = recorder.adopt(stats.ino, { kind: "file", mode: stats.mode });
    recorder.record({ t: "set", dir, name, ino: id }, { op: "create", path });
  } else {
    const stats = await handle.stat();
    const known = recorder.known(stats.ino);
    if (known === undefined) throw new Error(`crashable fs: untracked inode at ${path}`);
    id = known;
    if (flags.truncate && before.size > 0) {
      recorder.record({ t: "trunc", ino: id, size: 0 }, { op: "truncate", path });
    }
  }
  return wrapHandle(recorder, handle, id, path, flags);
}

async function statOrUndefined(live: MemoryFs, path: string): Promise<FsStats | undefined> {
  try {
    return await live.stat(path);
  } catch {
    return undefined;
  }
}

async function renameRecorded(
  recorder: CrashRecorder,
  oldPath: string,
  newPath: string,
): Promise<void> {
  const from = await recorder.split(oldPath);
  const to = await recorder.split(newPath);
  const id = await recorder.idOf(oldPath);
  const replaced = (await recorder.exists(newPath)) ? await recorder.idOf(newPath) : undefined;
  await recorder.live.rename(oldPath, newPath);
  // POSIX: renaming one link of a file onto another link of the same file does nothing.
  if (replaced === id) return;
  if (from.dir === to.dir) {
    if (from.name !== to.name) {
      recorder.record(
        { t: "move", dir: from.dir, from: from.name, to: to.name, ino: id },
        { op: "rename", path: oldPath, dest: newPath },
      );
    }
  } else {
    recorder.record(
      { t: "set", dir: to.dir, name: to.name, ino: id },
      { op: "rename", path: oldPath, dest: newPath },
    );
    recorder.record(
      { t: "del", dir: from.dir, name: from.name },
      { op: "rename-unlink", path: oldPath },
    );
  }
}

async function mkdirRecorded(
  recorder: CrashRecorder,
  path: string,
  mkdirOptions: Parameters<CrashableFs["mkdir"]>[1],
): Promise<string | undefined> {
  const { live } = recorder;
  const missing: string[] = [];
  let at = posix.resolve("/", path);
  while (at !== "/" && !(await recorder.exists(at))) {
    missing.unshift(at);
    at = posix.dirname(at);
  }
  const created = await live.mkdir(path, mkdirOptions);
  for (const dirPath of missing) {
    const stats = await live.lstat(dirPath);
    const { dir, name } = await recorder.split(dirPath);
    const id = recorder.adoptDir(stats.ino, stats.mode);
    recorder.record({ t: "set", dir, name, ino: id }, { op: "mkdir", path: dirPath });
  }
  return created;
}
