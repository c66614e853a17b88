import { posix } from "node:path";
import type { FsPort, Sink, WriteStage } from "@snapwrite/core";
import type { FsCall } from "../faulty-fs.js";

/** What a file-system sink is built on: a port and the directory that is its root. */
export interface FsSinkEnv {
  /** The file system the suite controls (in-memory, fault-injecting or crash-simulating). */
  readonly fs: FsPort;
  /** Absolute directory to use as the sink's root; it exists. */
  readonly dir: string;
}

/** Builds a sink on the given file system. Called for every case, also on crashed file systems. */
export type FsSinkFactory = (env: FsSinkEnv) => Sink | Promise<Sink>;

/** Inputs of the file-system sink checks. */
export interface FsSinkCheckOptions {
  /** Builds the sink under test. */
  readonly create: FsSinkFactory;
  /** Root directory inside the suite's file system. Default `"/data"`. */
  readonly dir?: string | undefined;
  /** Seed of the crash-state sampling. Default 1. */
  readonly seed?: number | undefined;
  /** Bound on crash states per scenario. Default 2000. */
  readonly maxStates?: number | undefined;
  /**
   * Whether the sink frames what it stores (a header, a checksum, its own layout), so the old
   * content of the crash and fault checks is written through the sink rather than seeded as raw
   * bytes at `dir/target.bin`, and what a write left is read through the sink's `read` rather than
   * compared byte for byte. Default `false`.
   */
  readonly seedThroughSink?: boolean | undefined;
  /** OS error codes the fault matrix injects. Default ENOSPC, EIO, EACCES, EPERM, EBUSY, EROFS, EXDEV. */
  readonly errorCodes?: readonly string[] | undefined;
  /**
   * The stage a failure of `call` must report, or `undefined` when any stage (or a recovered
   * success) is acceptable. Default {@link defaultExpectedStage} (docs/architecture.md#sinks-and-the-write-protocol).
   */
  readonly expectedStage?: ((call: FsCall) => WriteStage | undefined) | undefined;
  /**
   * Whether a sink may recover from (retry or work around) a one-off fault of `call` with `code`
   * and resolve. Default {@link defaultMayRecover}. A recovered write must still leave the
   * complete new content, and the previous version as backup when the sink keeps one.
   */
  readonly mayRecover?: ((call: FsCall, code: string) => boolean) | undefined;
}

/** Default OS error codes of the fault matrix. */
export const DEFAULT_FAULT_CODES: readonly string[] = Object.freeze([
  "ENOSPC",
  "EIO",
  "EACCES",
  "EPERM",
  "EBUSY",
  "EROFS",
  "EXDEV",
]);

/**
 * The stage docs/architecture.md#sinks-and-the-write-protocol assigns to a failing call: lock files → `lock`; `mkdir` and opening the
 * temp file → `open`; `write`/`writev` → `write`; the file's `sync`/`datasync`/`close` → `sync`;
 * `link`/`rename` → `rename`; opening, syncing and closing the directory → `sync-dir`. Other
 * operations (stat, readdir, unlink, …) are not pinned.
 */
export function defaultExpectedStage(call: FsCall): WriteStage | undefined {
  if (/lock/i.test(posix.basename(call.path))) return "lock";
  switch (call.op) {
    case "mkdir":
      return "open";
    case "open":
      return call.kind === "directory" ? "sync-dir" : "open";
    case "write":
    case "writev":
      return "write";
    case "sync":
    case "datasync":
    case "close":
      return call.kind === "directory" ? "sync-dir" : "sync";
    case "rename":
    case "link":
      return "rename";
    default:
      return undefined;
  }
}

/**
 * Default of {@link FsSinkCheckOptions.mayRecover}: `EPERM`/`EACCES`/`EBUSY` on `rename` (the
 * Windows-style transient errors sinks retry), any failure of `link` (hard links may be
 * unsupported; a sink may fall back to copying for its backup), and lock-file bookkeeping other
 * than creating the lock (writing the owner, closing, releasing). Data writes, fsyncs, the data
 * file's close, the final rename and the directory fsync must never be shrugged off.
 */
export function defaultMayRecover(call: FsCall, code: string): boolean {
  if (call.op === "link") return true;
  if (/lock/i.test(posix.basename(call.path)) && call.op !== "open") return true;
  return call.op === "rename" && (code === "EPERM" || code === "EACCES" || code === "EBUSY");
}
