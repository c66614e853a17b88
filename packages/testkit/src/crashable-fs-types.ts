import type { FsPort } from "@snapwrite/core";
import type { MemoryFs, MemoryFsFiles } from "./memory-fs.js";

/** Options of `createCrashableFs`. */
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
