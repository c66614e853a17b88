import { join } from "node:path";
import type { Codec, FsPort, Sink } from "@snapwrite/core";
import { loadTarget, PersistenceError } from "@snapwrite/core";
import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import { parseSnapshotFileName, snapshotFileName } from "./file-names.js";
import { defaultFs, fsError, isNotFound, listDir, syncDir } from "./journal-fs.js";
import { assertJournalName } from "./journal-name.js";

/** Options of {@link createSnapshotStore}. */
export interface SnapshotStoreOptions {
  /** Any `Sink`; snapshots are its targets `<name>.snap.<seq, 16 hex>`, written atomically. */
  readonly sink: Sink;
  /** Journal name, the prefix of the snapshot targets. */
  readonly name: string;
  /**
   * Lists the sink's targets of this journal's directory. Default: `readdir(dir)` on `fs`, which
   * fits a file sink rooted at `dir` (such as `createFsSink({ dir })`).
   */
  readonly list?: (() => Promise<readonly string[]>) | undefined;
  /**
   * Removes a target. Default: `unlink(join(dir, target))` on `fs`, then a directory fsync; a failed
   * `unlink` rejects at stage `"rename"` with `details.op: "unlink"` (a target already gone is no
   * failure).
   */
  readonly remove?: ((target: string) => Promise<void>) | undefined;
  /** Directory of the default `list`/`remove`. */
  readonly dir?: string | undefined;
  /** File system of the default `list`/`remove`. Default `node:fs/promises`. */
  readonly fs?: FsPort | undefined;
}

/** A snapshot that was loaded. */
export interface LoadedSnapshot<T> {
  /** Every seq up to this one is in `value`; replay the journal after it. */
  readonly seq: number;
  readonly value: T;
  readonly bytes: number;
  /** `"snapshot"` for the newest, `"previous-snapshot"` when a newer one was corrupt or unreadable. */
  readonly source: "snapshot" | "previous-snapshot";
  /** Newer snapshots that could not be used: `{ seq, error, quarantinedTo? }`. */
  readonly skipped: readonly {
    seq: number;
    error: PersistenceError;
    quarantinedTo?: string | undefined;
  }[];
}

/** Seq-named snapshots of a journal, written through a `Sink`. */
export interface SnapshotStore {
  /** Target name of the snapshot covering seqs ≤ `seq`. */
  targetOf(seq: number): string;
  /** Seqs of the stored snapshots, newest first. */
  list(): Promise<number[]>;
  /** Writes the snapshot covering every seq ≤ `seq` (atomic through the sink; `generation` = `seq`). */
  write(
    seq: number,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: { signal?: AbortSignal },
  ): Promise<{ target: string; bytes: number; durable: boolean }>;
  /**
   * Loads the newest snapshot that decodes, falling back to older ones (a corrupt one is
   * quarantined when the sink can). `undefined` when there is none usable.
   */
  loadNewest<T>(codec: Pick<Codec<T>, "decode" | "name">): Promise<LoadedSnapshot<T> | undefined>;
  /** Deletes all but the `keep` newest snapshots; returns the seqs removed. */
  prune(keep: number): Promise<number[]>;
  /**
   * Makes snapshot `seq` durable after a write that was not (a sink that does not fsync): fsyncs
   * its file and directory. Resolves `false` when this store cannot (no `dir`, or the file is not
   * there). `compactJournal` calls it before it prunes anything behind such a snapshot.
   */
  sync?(seq: number): Promise<boolean>;
}

/**
 * Whether a snapshot that failed to load may be passed over for an older one: only when its bytes
 * do not decode (`ERR_CORRUPT`) or it is gone (`ERR_NOT_FOUND`, pruned since the listing). A
 * snapshot that exists but cannot be read (`ERR_PERMISSION`, `ERR_IO`, `ERR_BUSY`, a FIFO or a
 * device at its name: `ERR_INVALID_TARGET`, …) may be perfectly good: loading an older one instead
 * would need journal records that a compaction has deleted, and report that as damage.
 */
function passable(error: PersistenceError): boolean {
  return error.code === "ERR_CORRUPT" || error.code === "ERR_NOT_FOUND";
}

/**
 * A load's error as `loadNewest` rejects with it: with stage `"open"`, the stage of every read of
 * the journal's files, when the sink or codec gave it none (a read is no write stage of its own).
 */
function atOpen(error: PersistenceError): PersistenceError {
  if (error.stage !== undefined) return error;
  return new PersistenceError(error.code, error.message, {
    stage: "open",
    target: error.target,
    details: error.details,
    cause: error.cause,
  });
}

const SNAPSHOT_STORE_KEYS = [
  "sink",
  "name",
  "list",
  "remove",
  "dir",
  "fs",
] satisfies (keyof SnapshotStoreOptions)[];

/**
 * Creates a {@link SnapshotStore} over `sink`; an unknown option key, or a `name` the journal would
 * refuse (`assertJournalName`: no plain file name, `.`, `..`, or one holding a part of the journal's
 * own file names such as `.snap.`), is a `TypeError`.
 */
export function createSnapshotStore(options: SnapshotStoreOptions): SnapshotStore {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createSnapshotStore: options are required ({ sink, name, dir, … })");
  }
  assertKnownOptions("createSnapshotStore", options, SNAPSHOT_STORE_KEYS);
  const { sink, name } = options;
  // The journal's rule: `<name>.snap.…` must never parse as another journal's file, nor a path.
  assertJournalName(name, "createSnapshotStore");
  const fs = options.fs ?? defaultFs;
  const dir = options.dir;
  if ((options.list === undefined || options.remove === undefined) && dir === undefined) {
    throw new TypeError("createSnapshotStore: dir is required unless list and remove are given");
  }
  const listTargets = options.list ?? (async () => listDir(fs, dir as string));
  const remove =
    options.remove ??
    (async (target: string) => {
      try {
        await fs.unlink(join(dir as string, target));
      } catch (error) {
        // Stage "rename" (directory-entry changes) with the call that failed, as the journal's own.
        if (!isNotFound(error)) throw fsError(error, "rename", target, { op: "unlink" });
      }
      await syncDir(fs, dir as string);
    });

  async function list(): Promise<number[]> {
    const seqs: number[] = [];
    for (const target of await listTargets()) {
      const seq = parseSnapshotFileName(name, target);
      if (seq !== undefined) seqs.push(seq);
    }
    return seqs.sort((a, b) => b - a);
  }

  return {
    targetOf: (seq) => snapshotFileName(name, seq),
    list,
    async write(seq, chunks, writeOptions = {}) {
      if (!Number.isSafeInteger(seq) || seq < 0)
        throw new RangeError("snapshot seq must be a safe integer ≥ 0");
      const target = snapshotFileName(name, seq);
      const result = await sink.write(target, chunks, {
        signal: writeOptions.signal,
        generation: seq,
      });
      return { target, bytes: result.bytes, durable: result.durable };
    },
    async loadNewest<T>(codec: Pick<Codec<T>, "decode" | "name">) {
      const skipped: {
        seq: number;
        error: PersistenceError;
        quarantinedTo?: string | undefined;
      }[] = [];
      for (const seq of await list()) {
        const loaded = await loadTarget(sink, snapshotFileName(name, seq), codec as Codec<T>, {
          backup: false,
        });
        if (loaded.ok) {
          return {
            seq,
            value: loaded.value,
            bytes: loaded.bytes,
            source: skipped.length === 0 ? "snapshot" : "previous-snapshot",
            skipped,
          } satisfies LoadedSnapshot<T>;
        }
        if (!passable(loaded.error)) throw atOpen(loaded.error);
        skipped.push({ seq, error: loaded.error, quarantinedTo: loaded.quarantinedTo });
      }
      return undefined;
    },
    async sync(seq) {
      if (dir === undefined) return false;
      const target = snapshotFileName(name, seq);
      let handle: Awaited<ReturnType<FsPort["open"]>>;
      try {
        handle = await fs.open(join(dir, target), "r");
      } catch (error) {
        if (isNotFound(error)) return false;
        throw fsError(error, "sync", target);
      }
      try {
        await handle.sync();
      } catch (error) {
        throw fsError(error, "sync", target);
      } finally {
        await handle.close().catch(() => undefined);
      }
      await syncDir(fs, dir);
      return true;
    },
    async prune(keep) {
      if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError("prune: keep must be ≥ 1");
      const removed: number[] = [];
      for (const seq of (await list()).slice(keep)) {
        await remove(snapshotFileName(name, seq));
        removed.push(seq);
      }
      return removed;
    },
  };
}
