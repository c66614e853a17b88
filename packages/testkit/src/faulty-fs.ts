import type { FsFileHandle, FsPort, FsStats } from "@snapwrite/core";
import {
  createFaultPlan,
  createHangRegistry,
  delay,
  matchesPath,
  type PathMatcher,
} from "./fault-rule.js";
import { validateFsFaultRule } from "./faulty-fs-plan.js";
import { type FsOperation, SYSCALLS } from "./fs-operations.js";
import { createOsError } from "./os-error.js";

export type { FsOperation } from "./fs-operations.js";

/**
 * What happens to a selected call.
 * - `{ error }`: the call fails with that system error code (`"ENOSPC"`, `"EIO"`, …) without doing anything.
 * - `{ torn, error? }`: `write`/`writev` store only a prefix — `torn` bytes when it is an integer,
 *   that fraction of the bytes when it lies strictly between 0 and 1 — then fail with `error`, or,
 *   without `error`, report the short count in `bytesWritten`. On other operations it acts as `{ error }` (default `EIO`).
 * - `{ latencyMs }`: the call runs after that delay (global timers, so fake timers apply).
 * - `{ hang: true, signal? }`: the call waits until {@link FaultyFs.release} or until `signal`
 *   aborts, then runs or rejects with an `AbortError`.
 */
export type FsFault =
  | { readonly error: string }
  | { readonly torn: number; readonly error?: string | undefined }
  | { readonly latencyMs: number }
  | { readonly hang: true; readonly signal?: AbortSignal | undefined };

/** One entry of a fault plan: which calls, and what happens to them. */
export interface FsFaultRule {
  /** Operation(s) the rule applies to. */
  readonly op: FsOperation | readonly FsOperation[];
  /** Only calls whose path (the handle's path for handle operations, the source for `rename`/`link`) matches. */
  readonly path?: PathMatcher | undefined;
  /** Fire on the nth matching call, 1-based. Default 1. */
  readonly nth?: number | undefined;
  /** Fire on this many consecutive matching calls from `nth` on (`Infinity`: all). Default 1. */
  readonly times?: number | undefined;
  /** What happens. */
  readonly fault: FsFault;
}

/** A fault plan: the first rule that fires on a call decides its fault. */
export type FsFaultPlan = readonly FsFaultRule[];

/** What happened to one call, in {@link FaultyFs.calls}. */
export interface FsCall {
  /** 1-based position in the log, in the order calls started. */
  readonly seq: number;
  /** Operation. */
  readonly op: FsOperation;
  /** Path of the call, or of the handle for handle operations. */
  readonly path: string;
  /** Destination of `rename`/`link`/`symlink`. */
  readonly dest?: string | undefined;
  /** What the path or handle is, when known: set for `open` and every handle operation. */
  readonly kind?: "file" | "directory" | undefined;
  /** `open` flags. */
  readonly flags?: string | number | undefined;
  /** Bytes passed to `write`/`writev`. */
  readonly bytes?: number | undefined;
  /** `position` argument of `write`/`writev`/`read`. */
  readonly position?: number | null | undefined;
  /** `"pending"` while running, then `"ok"`, `"error"` (the call threw) or `"torn"` (a short write reported as success). */
  readonly outcome: "pending" | "ok" | "error" | "torn";
  /** Code of the error the call threw. */
  readonly error?: string | undefined;
  /** The injected fault, when one fired. */
  readonly fault?: FsFault | undefined;
}

/** A fault-injecting wrapper of an {@link FsPort}. */
export interface FaultyFs extends FsPort {
  /** The wrapped file system. */
  readonly inner: FsPort;
  /** Every call so far, in start order. Records are updated in place when a call finishes. */
  readonly calls: readonly FsCall[];
  /** Calls currently held by a hang fault. */
  readonly hanging: readonly FsCall[];
  /** Lets hung calls proceed: the one with sequence number `seq`, or all of them. */
  release(seq?: number): void;
  /** Resolves with the first call that is (or becomes) hung and was not returned before. */
  waitForHang(): Promise<FsCall>;
  /** Appends rules to the plan; counting for them starts now. */
  addFaults(plan: FsFaultPlan): void;
}

const HANDLE_OPS = new Set<FsOperation>([
  "write",
  "writev",
  "read",
  "sync",
  "datasync",
  "fstat",
  "fchmod",
  "close",
]);

type MutableCall = { -readonly [K in keyof FsCall]: FsCall[K] };

/**
 * Wraps `fs` so that the calls `plan` selects fail, tear, slow down or hang, and logs every call
 * (`calls`) so tests can assert ordering, such as "data fsync before rename, rename before the
 * directory fsync". Errors are built with {@link createOsError}: real `code`, `errno`, `syscall`
 * and `path` (handle operations carry no path, as in Node).
 */
export function createFaultyFs(fs: FsPort, plan: FsFaultPlan = []): FaultyFs {
  const calls: MutableCall[] = [];
  const faults = createFaultPlan<FsFaultRule, FsCall>(
    (rule, call) =>
      (typeof rule.op === "string" ? rule.op === call.op : rule.op.includes(call.op)) &&
      matchesPath(rule.path, call.path),
    { owner: "createFaultyFs", rule: validateFsFaultRule },
  );
  faults.add(plan);
  const hangs = createHangRegistry<FsCall>();

  /**
   * Runs one call through the plan. `run` does the real work; `tear` stores a prefix for torn
   * writes and returns how many bytes it kept.
   */
  const intercept = async <R>(
    call: Omit<MutableCall, "seq" | "outcome">,
    run: () => Promise<R>,
    tear?: (keep: (length: number) => number) => Promise<R>,
  ): Promise<R> => {
    const record = call as MutableCall;
    record.seq = calls.length + 1;
    record.outcome = "pending";
    calls.push(record);
    const fault = faults.pick(record);
    if (fault !== undefined) record.fault = fault;
    const errorPath = HANDLE_OPS.has(record.op) ? undefined : record.path;
    const fail = (code: string): never => {
      throw createOsError(code, SYSCALLS[record.op], errorPath, record.dest);
    };
    try {
      if (fault !== undefined) {
        if ("latencyMs" in fault) {
          await delay(fault.latencyMs);
        } else if ("hang" in fault) {
          await hangs.hold(record, fault.signal);
        } else if ("torn" in fault) {
          if (tear === undefined) fail(fault.error ?? "EIO");
          else {
            const fraction = fault.torn;
            const keep = (length: number) =>
              Math.max(
                0,
                Math.min(
                  length,
                  fraction > 0 && fraction < 1
                    ? Math.floor(length * fraction)
                    : Math.floor(fraction),
                ),
              );
            const result = await tear(keep);
            if (fault.error !== undefined) fail(fault.error);
            record.outcome = "torn";
            return result;
          }
        } else {
          fail(fault.error);
        }
      }
      const result = await run();
      record.outcome = "ok";
      return result;
    } catch (error) {
      record.outcome = "error";
      const code = (error as { code?: unknown } | null)?.code;
      record.error = typeof code === "string" ? code : String(error);
      throw error;
    }
  };

  const wrapHandle = (
    handle: FsFileHandle,
    path: string,
    kind: "file" | "directory" | undefined,
  ): FsFileHandle => ({
    fd: handle.fd,
    write(buffer, offset, length, position) {
      const start = offset ?? 0;
      const size = length ?? buffer.byteLength - start;
      return intercept(
        { op: "write", path, kind, bytes: size, position },
        () => handle.write(buffer, offset, length, position),
        async (keep) => {
          const kept = keep(size);
          if (kept === 0) return { bytesWritten: 0 };
          return handle.write(buffer, start, kept, position);
        },
      );
    },
    writev(buffers, position) {
      const size = buffers.reduce((sum, b) => sum + b.byteLength, 0);
      return intercept(
        { op: "writev", path, kind, bytes: size, position },
        () => handle.writev(buffers, position),
        async (keep) => {
          let left = keep(size);
          const prefix: Uint8Array[] = [];
          for (const buffer of buffers) {
            if (left === 0) break;
            const part = buffer.subarray(0, Math.min(left, buffer.byteLength));
            prefix.push(part);
            left -= part.byteLength;
          }
          if (prefix.length === 0) return { bytesWritten: 0 };
          return handle.writev(prefix, position);
        },
      );
    },
    read(buffer, offset, length, position) {
      return intercept({ op: "read", path, kind, position }, () =>
        handle.read(buffer, offset, length, position),
      );
    },
    sync: () => intercept({ op: "sync", path, kind }, () => handle.sync()),
    datasync: () => intercept({ op: "datasync", path, kind }, () => handle.datasync()),
    stat: () => intercept({ op: "fstat", path, kind }, () => handle.stat()),
    chmod: (mode) => intercept({ op: "fchmod", path, kind }, () => handle.chmod(mode)),
    close: () => intercept({ op: "close", path, kind }, () => handle.close()),
  });

  const kindOf = async (handle: FsFileHandle): Promise<"file" | "directory" | undefined> => {
    try {
      const stats: FsStats = await handle.stat();
      return stats.isDirectory() ? "directory" : "file";
    } catch {
      return undefined;
    }
  };

  const port: FaultyFs = {
    inner: fs,
    calls,
    get hanging() {
      return hangs.hanging;
    },
    release: (seq) => hangs.release(seq),
    waitForHang: () => hangs.waitForHang(),
    addFaults: (more) => faults.add(more),
    async open(path, flags, mode) {
      const record: Omit<MutableCall, "seq" | "outcome"> = { op: "open", path, flags };
      const handle = await intercept(record, () => fs.open(path, flags, mode));
      const kind = await kindOf(handle);
      (record as MutableCall).kind = kind;
      return wrapHandle(handle, path, kind);
    },
    rename: (oldPath, newPath) =>
      intercept({ op: "rename", path: oldPath, dest: newPath }, () => fs.rename(oldPath, newPath)),
    unlink: (path) => intercept({ op: "unlink", path }, () => fs.unlink(path)),
    mkdir: (path, options) => intercept({ op: "mkdir", path }, () => fs.mkdir(path, options)),
    readdir: (path) => intercept({ op: "readdir", path }, () => fs.readdir(path)),
    stat: (path) => intercept({ op: "stat", path }, () => fs.stat(path)),
    lstat: (path) => intercept({ op: "lstat", path }, () => fs.lstat(path)),
    readFile: (path) => intercept({ op: "readFile", path }, () => fs.readFile(path)),
    link: (existingPath, newPath) =>
      intercept({ op: "link", path: existingPath, dest: newPath }, () =>
        fs.link(existingPath, newPath),
      ),
    symlink: (target, path) =>
      intercept({ op: "symlink", path: target, dest: path }, () => fs.symlink(target, path)),
    readlink: (path) => intercept({ op: "readlink", path }, () => fs.readlink(path)),
    realpath: (path) => intercept({ op: "realpath", path }, () => fs.realpath(path)),
    chmod: (path, mode) => intercept({ op: "chmod", path }, () => fs.chmod(path, mode)),
  };
  const rmdir = fs.rmdir?.bind(fs);
  if (rmdir !== undefined) {
    port.rmdir = (path) => intercept({ op: "rmdir", path }, () => rmdir(path));
  }
  return port;
}
