import * as nodeFs from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import {
  assertValidTarget,
  type Clock,
  createSerialQueue,
  type FsFileHandle,
  type FsPort,
  type FsStats,
  PersistenceError,
  type Sink,
  type SinkCapabilities,
  type SinkQuarantineOptions,
  type SinkReadOptions,
  type SinkWriteOptions,
  type SinkWriteResult,
  type TargetId,
  type WriteStage,
} from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { abortFailure } from "./abort-failure.js";
import { DEFAULT_CLOCK } from "./default-clock.js";
import { errorCode } from "./error-code.js";
import { fsFailure } from "./fs-failure.js";
import type { FsSinkRuntime } from "./fs-sink-runtime.js";
import { acquireTargetLock, type TargetLockSettings } from "./lock/acquire-lock.js";
import { isClaimFileName } from "./lock/claim-file.js";
import { isLockFileName, lockFileName } from "./lock/lock-file-name.js";
import { NO_HARD_LINKS } from "./no-hard-links.js";
import { isProcessAlive } from "./process-alive.js";
import { fileHoldsBytes } from "./quarantine/file-holds-bytes.js";
import { notRegularFile, openRegularFile, readRegularFile } from "./read/open-regular-file.js";
import { activeFiles } from "./sweep/active-files.js";
import { type FsSweepReport, sweepDirectory } from "./sweep/sweep-directory.js";
import { parseTempFileName, tempFileName } from "./temp-file-name.js";
import { type RenameRetrySettings, renameWithRetry } from "./write/rename-with-retry.js";
import { syncDirectory } from "./write/sync-directory.js";
import { type WriteBatchLimits, writeChunks } from "./write/write-chunks.js";

/** Options of the cross-process lock of {@link createFsSink}. */
export interface FsSinkLockOptions {
  /**
   * A lock whose owner has not refreshed it for this long is abandoned and broken, in ms. Owners
   * refresh every `staleMs / 3`; an owner on this host whose process is gone is abandoned at once.
   * Default `30_000`.
   */
  readonly staleMs?: number | undefined;
  /** How long a write waits for a held lock before failing with `ERR_LOCKED`, in ms. Default `5_000`. */
  readonly waitMs?: number | undefined;
  /** First pause between lock attempts, in ms; doubles (jittered) up to 250 ms. Default `10`. */
  readonly pollMs?: number | undefined;
}

/** Retry of transient rename failures (`EPERM`, `EACCES`, `EBUSY`) in {@link createFsSink}. */
export interface FsSinkRenameRetryOptions {
  /** Total attempts, the first included; `1` disables retrying. Default `8`. */
  readonly attempts?: number | undefined;
  /** Pause before the second attempt, in ms; doubles, with jitter of 50–100 %. Default `10`. */
  readonly initialMs?: number | undefined;
  /** Longest pause, in ms. Default `500`. */
  readonly maxMs?: number | undefined;
}

/** How {@link createFsSink} groups chunks into `writev` calls. */
export interface FsSinkBatchOptions {
  /** A batch is written once it holds this many bytes. Default `1_048_576` (1 MiB). */
  readonly maxBytes?: number | undefined;
  /** A batch is written once it holds this many chunks. Default `64`. */
  readonly maxChunks?: number | undefined;
}

/** Options of {@link createFsSink}. */
export interface FsSinkOptions {
  /** Root directory; every target is a path inside it. Created on the first write when missing. */
  readonly dir: string;
  /** File system to use. Default `node:fs/promises`; tests pass testkit's memory or faulty ones. */
  readonly fs?: FsPort | undefined;
  /**
   * `"durable"` (default): fsync the file before the rename and the directory after it, so a
   * resolved write survives power loss. `"atomic"`: no fsync; readers still never see a torn file,
   * but a power loss may lose recent writes. `write()` reports `durable` accordingly.
   */
  readonly durability?: "durable" | "atomic" | undefined;
  /** Keep the previous version as `<name>.bak`, readable with `{ from: "backup" }`. Default `false`. */
  readonly backup?: boolean | undefined;
  /**
   * Follow symlinks (of targets and of directories) that lead outside `dir`, writing through them.
   * Default `false`: a target whose real location is outside the root is refused with
   * `ERR_INVALID_TARGET` (`details.reason: "outside the root"`); links inside the root are always
   * followed.
   */
  readonly followSymlinksOutsideRoot?: boolean | undefined;
  /**
   * Take a cross-process lock file (`.<name>.lock`) around every write, so several processes can
   * share targets. `true` uses the defaults of {@link FsSinkLockOptions}. Default `false`.
   */
  readonly lock?: boolean | FsSinkLockOptions | undefined;
  /**
   * Permission bits of a newly created target. An existing target keeps its own mode. Default
   * `0o644`, applied exactly: the process umask does not reduce it.
   */
  readonly mode?: number | undefined;
  /** Retry of transient rename failures. */
  readonly renameRetry?: FsSinkRenameRetryOptions | undefined;
  /** How many quarantined versions of a target to keep; older ones are deleted. Default `5`. */
  readonly maxQuarantined?: number | undefined;
  /**
   * Delete orphan temp files of dead processes and abandoned lock files in a directory before the
   * first operation there. Default `true`.
   */
  readonly sweep?: boolean | undefined;
  /** Batching of chunks into `writev` calls. */
  readonly batch?: FsSinkBatchOptions | undefined;
  /** Time source and timers (lock waits, retry pauses, quarantine names). Default: real time. */
  readonly clock?: Clock | undefined;
  /** Uniform random numbers in [0, 1) for temp names, lock tokens and jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /**
   * Whether a process of this host still runs; decides which temp and lock files are orphans.
   * Default: signal 0 (`process.kill(pid, 0)`), where only `ESRCH` means gone.
   */
  readonly isProcessAlive?: ((pid: number) => boolean) | undefined;
}

/** What a successful {@link FsSink.write} reports: the {@link SinkWriteResult} and how it went. */
export interface FsSinkWriteResult extends SinkWriteResult {
  /** Rename attempts; more than 1 when transient failures were retried. */
  readonly renameAttempts: number;
  /** Time spent waiting for the cross-process lock, in clock ms (0 without lock or contention). */
  readonly lockWaitMs: number;
  /** Pauses taken because another process held the lock. */
  readonly lockWaits: number;
  /** Abandoned locks (dead or expired owner) broken to write. */
  readonly locksBroken: number;
  /**
   * Whether the directory was fsynced after the rename. `false` with `durability: "atomic"` and on
   * platforms that cannot fsync directories (Windows).
   */
  readonly dirSynced: boolean;
}

/** The durable, atomic file {@link Sink}. */
export interface FsSink extends Sink {
  /** Absolute root directory. */
  readonly dir: string;
  /** Replaces the target atomically (see the README for the protocol) and reports how it went. */
  write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: SinkWriteOptions,
  ): Promise<FsSinkWriteResult>;
  /**
   * Moves the target's file to a unique `<name>.corrupt-<ms>[-n]` next to it, keeps only the newest
   * `maxQuarantined` of them, and resolves with the new name as a target id (readable with `read`),
   * or as an absolute path when a symlink led outside the root (`followSymlinksOutsideRoot`).
   * `reason` is not stored: log it.
   * With `expected`, the file is moved only while it holds exactly those bytes (checked after the
   * queued writes of the target, under the lock when `lock` is on); otherwise the quarantine rejects
   * with `ERR_STALE` (`details.reason: "changed"`) and moves nothing.
   */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
  /** Waits for queued writes; afterwards writes and quarantines reject with `ERR_CLOSED`. */
  close(): Promise<void>;
  /** `close()`, for `await using sink = createFsSink(…)`. */
  [Symbol.asyncDispose](): Promise<void>;
  /**
   * Deletes orphan temp files of dead processes and abandoned lock files in the root and every
   * directory below it (symlinks are not followed). Runs by itself, per directory, before the
   * first operation there unless `sweep: false`.
   */
  sweep(): Promise<FsSweepReport>;
}

const DEFAULT_STALE_MS = 30_000;
const MAX_SYMLINK_HOPS = 32;
const MAX_TEMP_NAME_TRIES = 8;
const MAX_SWEEP_DEPTH = 32;
const COPY_BUFFER_BYTES = 1 << 20;

/**
 * Creates the file sink. Every write goes to an exclusive temp file next to the target, is fsynced,
 * renamed over the target and made durable with a directory fsync; readers see the old or the new
 * content, never a mix. Writes to one target are serialized in call order (the last call wins).
 * Throws `TypeError`/`RangeError` for bad options.
 */
export function createFsSink(options: FsSinkOptions): FsSink {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createFsSink: options must be an object with a dir");
  }
  if (typeof options.dir !== "string" || options.dir.length === 0 || options.dir.includes("\0")) {
    throw new TypeError("createFsSink: dir must be a non-empty path");
  }
  knownKeys("", options, OPTION_KEYS);
  const durability = options.durability ?? "durable";
  if (durability !== "durable" && durability !== "atomic") {
    throw new TypeError(
      `createFsSink: durability must be "durable" or "atomic", got ${String(durability)}`,
    );
  }
  const durable = durability === "durable";
  const keepBackup = booleanOption("backup", options.backup);
  const followOutside = booleanOption(
    "followSymlinksOutsideRoot",
    options.followSymlinksOutsideRoot,
  );
  const sweepEnabled = options.sweep === undefined ? true : booleanOption("sweep", options.sweep);
  const mode = numberOption("mode", options.mode, 0o644);
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`createFsSink: mode must be an integer in 0..0o7777, got ${mode}`);
  }
  const maxQuarantined = numberOption("maxQuarantined", options.maxQuarantined, 5);
  if (!Number.isInteger(maxQuarantined) || maxQuarantined < 1) {
    throw new RangeError(
      `createFsSink: maxQuarantined must be an integer >= 1, got ${maxQuarantined}`,
    );
  }
  const lockSettings = lockOptions(options.lock);
  const retry = retryOptions(options.renameRetry);
  const batch = batchOptions(options.batch);
  for (const name of ["random", "isProcessAlive"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new TypeError(`createFsSink: ${name} must be a function`);
    }
  }
  if (options.fs !== undefined && (typeof options.fs !== "object" || options.fs === null)) {
    throw new TypeError("createFsSink: fs must be an FsPort object");
  }
  if (options.clock !== undefined) assertClock(options.clock);

  const fs: FsPort = options.fs ?? nodeFs;
  const root = resolve(options.dir);
  const runtime: FsSinkRuntime = {
    fs,
    clock: options.clock ?? DEFAULT_CLOCK,
    random: options.random ?? Math.random,
    pid: process.pid,
    hostname: hostname(),
    isProcessAlive: safeLiveness(options.isProcessAlive ?? isProcessAlive),
  };
  const staleMs = lockSettings?.staleMs ?? DEFAULT_STALE_MS;
  const capabilities: SinkCapabilities = Object.freeze({
    atomicReplace: true,
    durable,
    backup: keepBackup,
    crossProcessLock: lockSettings !== undefined,
    fencing: false,
  });
  // Per absolute path: writes and quarantines of one file run one at a time, in call order.
  const queue = createSerialQueue<string>();
  const swept = new Map<string, Promise<void>>();
  let closed = false;

  /** Validates `target` and returns its absolute (lexical) path inside the root. */
  function targetPath(target: TargetId, stage: WriteStage | undefined): string {
    assertValidTarget(target, { stage });
    const name = target.slice(target.lastIndexOf("/") + 1);
    if (parseTempFileName(name) !== undefined || isLockFileName(name) || isClaimFileName(name)) {
      throw new PersistenceError(
        "ERR_INVALID_TARGET",
        `invalid target ${JSON.stringify(target)}: the name is reserved for the sink's temp and lock files`,
        { stage, target, details: { reason: "reserved name" } },
      );
    }
    const path = join(root, ...target.split("/"));
    if (!path.startsWith(root + sep) && !(root.endsWith(sep) && path.startsWith(root))) {
      throw new PersistenceError(
        "ERR_INVALID_TARGET",
        `invalid target ${JSON.stringify(target)}: resolves outside ${root}`,
        { stage, target, details: { reason: "outside the root" } },
      );
    }
    return path;
  }

  /**
   * Follows symlinks from `path` to the file they lead to, also when that file does not exist yet
   * (a dangling link is written through and so created).
   */
  async function resolveLinks(path: string): Promise<string> {
    let current = path;
    for (let hops = 0; hops <= MAX_SYMLINK_HOPS; hops += 1) {
      let isLink: boolean;
      try {
        isLink = (await fs.lstat(current)).isSymbolicLink();
      } catch (error) {
        if (errorCode(error) === "ENOENT") return current;
        throw error;
      }
      if (!isLink) return current;
      current = resolve(dirname(current), await fs.readlink(current));
    }
    throw Object.assign(new Error(`too many symbolic links from ${path}`), { code: "ELOOP" });
  }

  /**
   * Where `path` really is: the `realpath` of its deepest existing ancestor, with the missing rest
   * appended (it cannot contain links, since it does not exist).
   */
  async function realLocation(path: string): Promise<string> {
    const missing: string[] = [];
    for (let current = path; ; current = dirname(current)) {
      try {
        const found = await fs.realpath(current);
        return missing.length === 0 ? found : join(found, ...missing.reverse());
      } catch (error) {
        if (errorCode(error) !== "ENOENT" || dirname(current) === current) throw error;
        missing.push(basename(current));
      }
    }
  }

  /**
   * Refuses, with `ERR_INVALID_TARGET`, a path that symlinks (of a target or of a directory on its
   * way) lead outside the root, unless `followSymlinksOutsideRoot` allows it.
   */
  async function assertInsideRoot(
    path: string,
    target: TargetId,
    stage: WriteStage | undefined,
  ): Promise<void> {
    if (followOutside) return;
    const [realRoot, location] = await Promise.all([realLocation(root), realLocation(path)]);
    const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
    if (location === realRoot || location.startsWith(prefix)) return;
    throw new PersistenceError(
      "ERR_INVALID_TARGET",
      `invalid target ${JSON.stringify(target)}: a symbolic link leads outside ${root} (to ${location}); set followSymlinksOutsideRoot to allow it`,
      { stage, target, details: { reason: "outside the root", resolved: location } },
    );
  }

  function sweepOnce(dir: string): Promise<void> {
    if (!sweepEnabled) return Promise.resolve();
    let done = swept.get(dir);
    if (done === undefined) {
      // Housekeeping never fails the operation that triggered it, whatever an injected
      // isProcessAlive or file system throws.
      done = sweepDirectory(runtime, dir, staleMs).then(
        () => undefined,
        () => undefined,
      );
      swept.set(dir, done);
    }
    return done;
  }

  function closedError(target: TargetId, what: string): PersistenceError {
    return new PersistenceError(
      "ERR_CLOSED",
      `sink is closed; cannot ${what} ${JSON.stringify(target)}`,
      {
        stage: "open",
        target,
      },
    );
  }

  async function write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    writeOptions: SinkWriteOptions = {},
  ): Promise<FsSinkWriteResult> {
    const path = targetPath(target, "open");
    if (closed) throw closedError(target, "write");
    const signal = writeOptions.signal;
    if (signal?.aborted) throw abortFailure(target, "open", signal);
    return queue.run(path, () => writeNow(target, path, chunks, signal), {
      signal,
      abortError: (aborted) => abortFailure(target, "open", aborted),
    });
  }

  async function writeNow(
    target: TargetId,
    path: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    signal: AbortSignal | undefined,
  ): Promise<FsSinkWriteResult> {
    if (signal?.aborted) throw abortFailure(target, "open", signal);
    const created: string[] = [];
    try {
      return await writeCreating(target, path, chunks, signal, created);
    } catch (error) {
      // A failed write leaves no trace: the directories it created go again, innermost first,
      // each only if empty (a concurrent write may have put a file there meanwhile).
      const rmdir = fs.rmdir?.bind(fs);
      if (rmdir !== undefined) {
        for (const made of created.reverse()) await rmdir(made).catch(() => undefined);
      }
      throw error;
    }
  }

  /** {@link writeNow}, recording every directory it creates in `created` (top first). */
  async function writeCreating(
    target: TargetId,
    path: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    signal: AbortSignal | undefined,
    created: string[],
  ): Promise<FsSinkWriteResult> {
    let real: string;
    try {
      // Checked before mkdir, so that no directory is created through a link leading outside.
      await assertInsideRoot(dirname(path), target, "open");
      created.push(
        ...createdDirs(dirname(path), await fs.mkdir(dirname(path), { recursive: true })),
      );
      real = await resolveLinks(path);
      if (real !== path) {
        await assertInsideRoot(dirname(real), target, "open");
        created.push(
          ...createdDirs(dirname(real), await fs.mkdir(dirname(real), { recursive: true })),
        );
      }
    } catch (error) {
      throw fsFailure(error, "open", target);
    }
    // A new directory's entry lives in its parent: without fsyncing the parents, a power loss can
    // take the whole new subtree, and the file in it, away after write() resolved.
    if (durable) for (const made of created) await syncDirectory(fs, dirname(made), target);
    const dir = dirname(real);
    const name = basename(real);
    await sweepOnce(dir);

    const lock =
      lockSettings === undefined
        ? undefined
        : await acquireTargetLock(
            runtime,
            join(dir, lockFileName(name)),
            target,
            lockSettings,
            signal,
          );
    let temp: string | undefined;
    let handle: FsFileHandle | undefined;
    let bytes = 0;
    let renameAttempts = 0;
    try {
      let finalMode = mode;
      try {
        const current = await fs.stat(real);
        // A FIFO, socket or device at the target is not ours to replace (nor to link into .bak).
        if (!current.isFile()) throw notRegularFile(real, { target, stage: "open" });
        finalMode = current.mode & 0o7777;
      } catch (error) {
        if (errorCode(error) !== "ENOENT") throw fsFailure(error, "open", target);
      }
      for (let tries = 1; handle === undefined; tries += 1) {
        const candidate = join(dir, tempFileName(name, runtime.pid, runtime.random));
        activeFiles().add(candidate);
        try {
          handle = await fs.open(candidate, "wx", 0o600);
          temp = candidate;
        } catch (error) {
          activeFiles().delete(candidate);
          if (errorCode(error) !== "EEXIST" || tries >= MAX_TEMP_NAME_TRIES) {
            throw fsFailure(error, "open", target, { path: candidate });
          }
        }
      }
      bytes = (await writeChunks(handle, chunks, target, batch, signal)).bytes;
      if (signal?.aborted) throw abortFailure(target, "write", signal);
      // The mode is set before the fsync so that the fsync makes it durable with the data.
      try {
        await handle.chmod(finalMode);
      } catch (error) {
        throw fsFailure(error, "sync", target, { op: "chmod" });
      }
      if (durable) {
        try {
          await handle.sync();
        } catch (error) {
          throw fsFailure(error, "sync", target, { op: "fsync" });
        }
      }
      const open = handle;
      handle = undefined;
      try {
        await open.close();
      } catch (error) {
        throw fsFailure(error, "sync", target, { op: "close" });
      }
      if (signal?.aborted) throw abortFailure(target, "rename", signal);
      await lock?.verify();
      if (keepBackup && (await rotateBackup(target, real, dir, name)) && durable) {
        // Directory changes reach the disk in any order unless fsynced: without this, a power
        // loss could keep the new primary but not the rotated backup, losing the previous version.
        await syncDirectory(fs, dir, target);
      }
      if (signal?.aborted) throw abortFailure(target, "rename", signal);
      renameAttempts = await renameWithRetry(runtime, temp as string, real, target, retry, signal);
      activeFiles().delete(temp as string);
      temp = undefined;
    } catch (error) {
      if (handle !== undefined) await handle.close().catch(() => undefined);
      if (temp !== undefined) {
        await fs.unlink(temp).catch(() => undefined);
        activeFiles().delete(temp);
      }
      await lock?.release();
      throw error;
    }
    let dirSynced = false;
    try {
      if (durable) dirSynced = await syncDirectory(fs, dir, target);
    } finally {
      await lock?.release();
    }
    return {
      bytes,
      durable,
      renameAttempts,
      lockWaitMs: lock?.waitedMs ?? 0,
      lockWaits: lock?.waits ?? 0,
      locksBroken: lock?.broken ?? 0,
      dirSynced,
    };
  }

  /**
   * Makes `<name>.bak` the current version of the target, which the rename that follows turns into
   * the previous one. The backup is built under a temp name and renamed over the old backup, so the
   * primary is never touched and both names always hold complete files. Resolves `false` when there
   * was no current version to keep.
   */
  async function rotateBackup(
    target: TargetId,
    real: string,
    dir: string,
    name: string,
  ): Promise<boolean> {
    const bak = join(dir, `${name}.bak`);
    const staging = join(dir, tempFileName(`${name}.bak`, runtime.pid, runtime.random));
    activeFiles().add(staging);
    try {
      try {
        await fs.link(real, staging);
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT") return false;
        if (!NO_HARD_LINKS.has(code ?? "")) {
          throw fsFailure(error, "rename", target, { op: "backup-link" });
        }
        if (!(await copyFile(target, real, staging))) return false;
      }
      // The target may have been swapped for a FIFO since the write checked it: never let a
      // non-regular file become the backup, which reads would then block on.
      let linked: FsStats;
      try {
        linked = await fs.lstat(staging);
      } catch (error) {
        throw fsFailure(error, "rename", target, { op: "backup-link" });
      }
      if (!linked.isFile()) throw notRegularFile(real, { target, stage: "rename" });
      await renameWithRetry(runtime, staging, bak, target, retry, undefined);
      return true;
    } catch (error) {
      await fs.unlink(staging).catch(() => undefined);
      throw error;
    } finally {
      activeFiles().delete(staging);
    }
  }

  /** Copies `from` to the new file `to` (for file systems without hard links); false when `from` is gone. */
  async function copyFile(target: TargetId, from: string, to: string): Promise<boolean> {
    let source: FsFileHandle;
    let sourceMode: number;
    try {
      const opened = await openRegularFile(fs, from, { target, stage: "rename" });
      source = opened.handle;
      sourceMode = opened.stats.mode & 0o7777;
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw fsFailure(error, "rename", target, { op: "backup-copy" });
    }
    try {
      const copy = await fs.open(to, "wx", 0o600);
      try {
        const buffer = new Uint8Array(COPY_BUFFER_BYTES);
        let position = 0;
        while (true) {
          const { bytesRead } = await source.read(buffer, 0, buffer.byteLength, position);
          if (bytesRead === 0) break;
          let done = 0;
          while (done < bytesRead) {
            const { bytesWritten } = await copy.write(
              buffer,
              done,
              bytesRead - done,
              position + done,
            );
            if (bytesWritten <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
            done += bytesWritten;
          }
          position += bytesRead;
        }
        await copy.chmod(sourceMode);
        if (durable) await copy.sync();
      } finally {
        await copy.close();
      }
      return true;
    } catch (error) {
      throw fsFailure(error, "rename", target, { op: "backup-copy" });
    } finally {
      await source.close().catch(() => undefined);
    }
  }

  async function read(target: TargetId, readOptions: SinkReadOptions = {}): Promise<Uint8Array> {
    const path = targetPath(target, undefined);
    const from = readOptions.from ?? "primary";
    if (from !== "primary" && from !== "backup") {
      throw new TypeError(`read: from must be "primary" or "backup", got ${String(from)}`);
    }
    try {
      const real = await resolveLinks(path);
      const file = from === "backup" ? `${real}.bak` : real;
      await assertInsideRoot(file, target, undefined);
      await sweepOnce(dirname(real));
      return await readRegularFile(fs, file, { target });
    } catch (error) {
      throw fsFailure(error, undefined, target, { from }, "read");
    }
  }

  async function quarantine(
    target: TargetId,
    reason: string,
    quarantineOptions: SinkQuarantineOptions = {},
  ): Promise<string> {
    const path = targetPath(target, undefined);
    const expected = quarantineOptions?.expected;
    if (expected !== undefined && !(expected instanceof Uint8Array)) {
      throw new TypeError("quarantine: expected must be a Uint8Array");
    }
    if (closed) throw closedError(target, "quarantine");
    void reason;
    return queue.run(path, async () => {
      let real: string;
      try {
        real = await resolveLinks(path);
        await assertInsideRoot(real, target, "rename");
      } catch (error) {
        throw fsFailure(error, "rename", target, undefined, "read");
      }
      const dir = dirname(real);
      const name = basename(real);
      await sweepOnce(dir);
      if (expected === undefined) return moveAside(target, real, dir, name);
      // Under the lock, a write of another process cannot land between the check and the move.
      const lock =
        lockSettings === undefined
          ? undefined
          : await acquireTargetLock(
              runtime,
              join(dir, lockFileName(name)),
              target,
              lockSettings,
              undefined,
            );
      try {
        let holds: boolean;
        try {
          holds = await fileHoldsBytes(fs, real, expected, { target, stage: "rename" });
        } catch (error) {
          throw fsFailure(error, "rename", target, undefined, "read");
        }
        if (!holds) {
          throw new PersistenceError(
            "ERR_STALE",
            `not quarantining ${JSON.stringify(target)}: it changed since it was read`,
            { stage: "rename", target, details: { reason: "changed" } },
          );
        }
        await lock?.verify();
        return await moveAside(target, real, dir, name);
      } finally {
        await lock?.release();
      }
    });
  }

  /** Moves `real` to a fresh quarantine name, prunes old ones, and returns where it went. */
  async function moveAside(
    target: TargetId,
    real: string,
    dir: string,
    name: string,
  ): Promise<string> {
    const base = `${name}.corrupt-${Math.floor(runtime.clock.now())}`;
    let moved: string | undefined;
    // Counting on from the highest suffix in use keeps same-millisecond names in age order even
    // after pruning freed lower suffixes.
    for (let n = await nextQuarantineSuffix(dir, base); moved === undefined; n += 1) {
      const candidate = join(dir, n === 0 ? base : `${base}-${n}`);
      try {
        await moveWithoutReplacing(real, candidate);
        moved = candidate;
      } catch (error) {
        if (errorCode(error) === "EEXIST" && n < 10_000) continue;
        throw fsFailure(error, "rename", target, undefined, "read");
      }
    }
    await pruneQuarantined(dir, name);
    if (durable) await syncDirectory(fs, dir, target);
    const inside = relative(root, moved);
    return inside.startsWith("..") || resolve(root, inside) !== moved
      ? moved
      : inside.split(sep).join("/");
  }

  /** Moves `from` to `to`, failing with `EEXIST` instead of replacing an existing `to`. */
  async function moveWithoutReplacing(from: string, to: string): Promise<void> {
    try {
      await fs.link(from, to);
    } catch (error) {
      if (!NO_HARD_LINKS.has(errorCode(error) ?? "")) throw error;
      // Without hard links, check-then-rename; quarantine runs in the target's queue.
      try {
        await fs.lstat(to);
        throw Object.assign(new Error(`${to} exists`), { code: "EEXIST" });
      } catch (missing) {
        if (errorCode(missing) !== "ENOENT") throw missing;
      }
      await fs.rename(from, to);
      return;
    }
    await fs.unlink(from);
  }

  async function nextQuarantineSuffix(dir: string, base: string): Promise<number> {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch {
      return 0;
    }
    let next = 0;
    for (const entry of entries) {
      if (entry === base) next = Math.max(next, 1);
      else if (entry.startsWith(`${base}-`)) {
        const n = Number(entry.slice(base.length + 1));
        if (Number.isSafeInteger(n)) next = Math.max(next, n + 1);
      }
    }
    return next;
  }

  async function pruneQuarantined(dir: string, name: string): Promise<void> {
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch {
      return;
    }
    const prefix = `${name}.corrupt-`;
    const found: { entry: string; at: number; n: number }[] = [];
    for (const entry of entries) {
      if (!entry.startsWith(prefix)) continue;
      const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(entry.slice(prefix.length));
      if (match === null) continue;
      found.push({ entry, at: Number(match[1]), n: Number(match[2] ?? 0) });
    }
    found.sort((a, b) => a.at - b.at || a.n - b.n);
    for (const old of found.slice(0, Math.max(0, found.length - maxQuarantined))) {
      await fs.unlink(join(dir, old.entry)).catch(() => undefined);
    }
  }

  async function sweep(): Promise<FsSweepReport> {
    const removedTemps: string[] = [];
    const removedLocks: string[] = [];
    const visit = async (dir: string, depth: number): Promise<void> => {
      const report = await sweepDirectory(runtime, dir, staleMs);
      removedTemps.push(...report.removedTemps);
      removedLocks.push(...report.removedLocks);
      if (depth >= MAX_SWEEP_DEPTH) return;
      let entries: string[];
      try {
        entries = await fs.readdir(dir);
      } catch {
        return;
      }
      for (const entry of entries) {
        const child = join(dir, entry);
        try {
          if ((await fs.lstat(child)).isDirectory()) await visit(child, depth + 1);
        } catch {
          // Vanished or unreadable: nothing to sweep there.
        }
      }
    };
    await visit(root, 0);
    return { removedTemps, removedLocks };
  }

  async function close(): Promise<void> {
    closed = true;
    await queue.idle();
  }

  return {
    dir: root,
    capabilities,
    write,
    read,
    quarantine,
    close,
    [Symbol.asyncDispose]: close,
    sweep,
  };
}

/**
 * The directories `mkdir(dir, { recursive: true })` created, top first, given the first created
 * one it returned (`undefined`: none).
 */
function createdDirs(dir: string, first: string | undefined): string[] {
  if (first === undefined) return [];
  const made: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    made.unshift(current);
    if (current === first || dirname(current) === current || made.length > 4096) break;
  }
  return made;
}

/** A liveness test that answers "alive" when unsure, so a failing one never deletes live files. */
function safeLiveness(test: (pid: number) => boolean): (pid: number) => boolean {
  return (pid) => {
    try {
      return test(pid) !== false;
    } catch {
      return true;
    }
  };
}

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof FsSinkOptions>([
  "dir",
  "fs",
  "durability",
  "backup",
  "followSymlinksOutsideRoot",
  "lock",
  "mode",
  "renameRetry",
  "maxQuarantined",
  "sweep",
  "batch",
  "clock",
  "random",
  "isProcessAlive",
]);
const LOCK_KEYS: ReadonlySet<string> = new Set<keyof FsSinkLockOptions>([
  "staleMs",
  "waitMs",
  "pollMs",
]);
const RENAME_RETRY_KEYS: ReadonlySet<string> = new Set<keyof FsSinkRenameRetryOptions>([
  "attempts",
  "initialMs",
  "maxMs",
]);
const BATCH_KEYS: ReadonlySet<string> = new Set<keyof FsSinkBatchOptions>([
  "maxBytes",
  "maxChunks",
]);

/** A misspelt option would silently fall back to its default (`bakup: true` keeping no backup). */
function knownKeys(prefix: string, given: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(given)) {
    if (!known.has(key)) {
      throw new TypeError(
        `createFsSink: unknown option ${JSON.stringify(prefix + key)}; known: ${[...known].map((k) => prefix + k).join(", ")}`,
      );
    }
  }
}

function objectOption<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`createFsSink: ${name} must be an options object`);
  }
  return value;
}

function numberOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`createFsSink: ${name} must be a number, got ${typeof value}`);
  }
  return value;
}

function assertClock(clock: unknown): void {
  const given = clock as Partial<Record<keyof Clock, unknown>> | null;
  if (typeof given !== "object" || given === null) {
    throw new TypeError("createFsSink: clock must be an object with now, setTimeout, clearTimeout");
  }
  for (const name of ["now", "setTimeout", "clearTimeout"] as const) {
    if (typeof given[name] !== "function") {
      throw new TypeError(`createFsSink: clock.${name} must be a function`);
    }
  }
}

function booleanOption(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`createFsSink: ${name} must be a boolean`);
  return value;
}

function positiveNumber(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_VALUE,
): number {
  const result = numberOption(name, value, fallback);
  if (!Number.isFinite(result) || result < min || result > max) {
    throw new RangeError(
      `createFsSink: ${name} must be a finite number ${max === Number.MAX_VALUE ? `>= ${min}` : `in ${min}..${max}`}, got ${String(result)}`,
    );
  }
  return result;
}

/** A duration option: every one ends up in a timer, so it must fit `setTimeout` (RangeError). */
function milliseconds(name: string, value: number | undefined, fallback: number, min = 0): number {
  return positiveNumber(name, value, fallback, min, MAX_TIMER_MS);
}

function lockOptions(lock: FsSinkOptions["lock"]): TargetLockSettings | undefined {
  if (lock === undefined || lock === false) return undefined;
  if (lock !== true && (typeof lock !== "object" || lock === null)) {
    throw new TypeError("createFsSink: lock must be a boolean or an options object");
  }
  const given = lock === true ? {} : lock;
  knownKeys("lock.", given, LOCK_KEYS);
  return {
    staleMs: milliseconds("lock.staleMs", given.staleMs, DEFAULT_STALE_MS, 1),
    waitMs: milliseconds("lock.waitMs", given.waitMs, 5_000),
    pollMs: milliseconds("lock.pollMs", given.pollMs, 10, 1),
  };
}

function retryOptions(retry: FsSinkRenameRetryOptions | undefined): RenameRetrySettings {
  const given = objectOption("renameRetry", retry);
  knownKeys("renameRetry.", given, RENAME_RETRY_KEYS);
  const attempts = numberOption("renameRetry.attempts", given.attempts, 8);
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(
      `createFsSink: renameRetry.attempts must be an integer >= 1, got ${attempts}`,
    );
  }
  const initialMs = milliseconds("renameRetry.initialMs", given.initialMs, 10);
  const maxMs = milliseconds("renameRetry.maxMs", given.maxMs, 500);
  return { attempts, initialMs, maxMs: Math.max(maxMs, initialMs) };
}

function batchOptions(batch: FsSinkBatchOptions | undefined): WriteBatchLimits {
  const given = objectOption("batch", batch);
  knownKeys("batch.", given, BATCH_KEYS);
  const maxChunks = numberOption("batch.maxChunks", given.maxChunks, 64);
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 1024) {
    throw new RangeError(
      `createFsSink: batch.maxChunks must be an integer in 1..1024, got ${maxChunks}`,
    );
  }
  return { maxBytes: positiveNumber("batch.maxBytes", given.maxBytes, 1 << 20, 1), maxChunks };
}
