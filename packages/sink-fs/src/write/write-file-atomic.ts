import { basename, dirname, resolve } from "node:path";
import {
  createSerialQueue,
  type FsPort,
  isPersistenceError,
  PersistenceError,
  type SinkWriteResult,
} from "@snapwrite/core";
import { assertKnownOptions } from "@snapwrite/core/sink-kit";
import { abortFailure } from "../abort-failure.js";
import { buildFsSinkContext } from "../build-fs-sink-context.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import type { FsSinkOptions } from "../fs-sink-types.js";
import { namesDirectory } from "../names-directory.js";
import { assertPathFileName, hasLoneSurrogate } from "../path-file-name.js";
import { assertNotReserved } from "../read/target-path.js";
import { writeTarget } from "./write-target.js";

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /**
   * `"durable"` (default): fsync the file before the rename and the directory after it, so a
   * resolved write survives power loss. `"atomic"`: no fsync; readers still never see a torn file.
   */
  readonly durability?: "durable" | "atomic" | undefined;
  /** Permission bits of a newly created file, applied exactly. An existing file keeps its mode. Default `0o644`. */
  readonly mode?: number | undefined;
  /** Keep the previous version as `<path>.bak`. Default `false`. */
  readonly backup?: boolean | undefined;
  /** Aborts the write: the file stays untouched and the promise rejects with `ERR_ABORTED`. */
  readonly signal?: AbortSignal | undefined;
  /** File system to use. Default `node:fs/promises`; tests pass testkit's memory or faulty ones. */
  readonly fs?: FsPort | undefined;
}

/** Options of {@link writeJsonAtomic}: those of {@link writeFileAtomic} plus `space`. */
export interface WriteJsonAtomicOptions extends WriteFileAtomicOptions {
  /** Indentation, as `JSON.stringify` takes it (a number of spaces or a string). Default: none. */
  readonly space?: number | string | undefined;
}

/** What {@link writeFileAtomic} and {@link writeJsonAtomic} resolve with. */
export type WriteFileAtomicResult = SinkWriteResult;

/** What {@link writeFileAtomic} writes: text (as UTF-8), bytes, or chunks of bytes. */
export type WriteFileAtomicData =
  | string
  | Uint8Array
  | Iterable<Uint8Array>
  | AsyncIterable<Uint8Array>;

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof WriteJsonAtomicOptions>([
  "durability",
  "mode",
  "backup",
  "signal",
  "fs",
  "space",
]);

// Calls for one path in this module run one at a time, in call order: the last call wins, as with
// the sink's writes to one target.
const queue = createSerialQueue<string>();

/**
 * Replaces the file at `path` (absolute, or relative to the working directory) atomically, with the
 * protocol of the file sink: an exclusive temp file next to it, `writev`, `fsync`, `rename` over the
 * file, directory `fsync` (`durability: "durable"`, the default). Readers see the old or the new
 * content, never a mix; on failure the file is untouched and no temp file is left. Missing parent
 * directories are created (and removed again if the write fails). A symlink at `path` is written
 * through. Calls for one path in this process are serialized in call order.
 *
 * Resolves with `{ bytes, durable }`; rejects with the sink's typed `PersistenceError`s (`stage`,
 * `code`, the OS error as `cause`, `target` = `path`). Throws `TypeError`/`RangeError` for bad
 * arguments.
 */
export async function writeFileAtomic(
  path: string,
  data: WriteFileAtomicData,
  options: WriteFileAtomicOptions = {},
): Promise<WriteFileAtomicResult> {
  const chunks = toChunks("writeFileAtomic", data);
  return writeChunksAtomic("writeFileAtomic", path, chunks, options);
}

/**
 * Writes `value` as JSON (`JSON.stringify(value, undefined, space)` plus a final newline) to `path`
 * with {@link writeFileAtomic}. A value JSON cannot represent (`undefined`, a function, a cycle, a
 * BigInt) rejects with `ERR_ENCODE` at stage `encode`, and nothing is written.
 */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  options: WriteJsonAtomicOptions = {},
): Promise<WriteFileAtomicResult> {
  checkOptions("writeJsonAtomic", options);
  const space = options.space;
  if (space !== undefined && typeof space !== "number" && typeof space !== "string") {
    throw new TypeError("writeJsonAtomic: space must be a number or a string");
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value, undefined, space);
  } catch (error) {
    throw new PersistenceError(
      "ERR_ENCODE",
      `writeJsonAtomic: cannot encode the value for ${JSON.stringify(path)} as JSON: ${error instanceof Error ? error.message : String(error)}`,
      { stage: "encode", target: path, details: { reason: "json" }, cause: error },
    );
  }
  if (text === undefined) {
    throw new PersistenceError(
      "ERR_ENCODE",
      `writeJsonAtomic: a value of type ${typeof value} has no JSON form (${JSON.stringify(path)})`,
      { stage: "encode", target: path, details: { reason: "json" } },
    );
  }
  return writeChunksAtomic(
    "writeJsonAtomic",
    path,
    [new TextEncoder().encode(`${text}\n`)],
    options,
  );
}

async function writeChunksAtomic(
  caller: string,
  path: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  options: WriteJsonAtomicOptions,
): Promise<WriteFileAtomicResult> {
  checkOptions(caller, options);
  if (typeof path !== "string") throw new TypeError(`${caller}: path must be a string`);
  if (hasLoneSurrogate(path)) {
    throw new PersistenceError(
      "ERR_INVALID_TARGET",
      `${caller}: invalid path ${JSON.stringify(path)}: it contains a lone surrogate (ill-formed UTF-16), which the file system stores as U+FFFD`,
      {
        stage: "open",
        target: path,
        details: { reason: "contains a lone surrogate (ill-formed UTF-16)" },
      },
    );
  }
  if (path.length === 0 || path.includes("\0") || namesDirectory(path)) {
    throw new PersistenceError(
      "ERR_INVALID_TARGET",
      `${caller}: invalid path ${JSON.stringify(path)}: it must name a file`,
      { stage: "open", target: path, details: { reason: "not a file path" } },
    );
  }
  const absolute = resolve(path);
  const name = basename(absolute);
  const context = fileContext(caller, {
    dir: dirname(absolute),
    fs: options.fs,
    durability: options.durability,
    mode: options.mode,
    backup: options.backup,
    // The caller owns the path: a link there is theirs to follow. No sweep of a directory that
    // may be large and is not ours.
    followSymlinksOutsideRoot: true,
    sweep: false,
  });
  try {
    assertFileName(name);
  } catch (error) {
    throw withTarget(error, path);
  }
  const signal = options.signal;
  if (signal?.aborted) throw abortFailure(path, "open", signal);
  return queue.run(
    absolute,
    async () => {
      if (signal?.aborted) throw abortFailure(path, "open", signal);
      try {
        const { bytes, durable } = await writeTarget(context, name, chunks, signal);
        return { bytes, durable };
      } catch (error) {
        throw withTarget(error, path);
      }
    },
    { signal, abortError: (aborted) => abortFailure(path, "open", aborted) },
  );
}

/** The file sink's context for one call, its option errors named after the helper called. */
function fileContext(caller: string, options: FsSinkOptions): FsSinkContext {
  try {
    return buildFsSinkContext(options);
  } catch (error) {
    throw renamed(error, caller);
  }
}

/**
 * Refuses the names a sink reserves for its temp and lock files, and what is no file name at all.
 * A target id must also be portable (no backslash, no drive prefix: see `assertValidTarget`); a
 * path is not a target id, and on POSIX `a\b.json` and `c:` are plain file names, written as such.
 */
function assertFileName(name: string): void {
  assertPathFileName(name, "open");
  assertNotReserved(name, "open");
}

function toChunks(
  caller: string,
  data: WriteFileAtomicData,
): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  if (typeof data === "string") return [new TextEncoder().encode(data)];
  if (data instanceof Uint8Array) return [data];
  const iterable =
    typeof data === "object" &&
    data !== null &&
    (typeof (data as Iterable<Uint8Array>)[Symbol.iterator] === "function" ||
      typeof (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function");
  if (!iterable) {
    throw new TypeError(
      `${caller}: data must be a string, a Uint8Array or an (async) iterable of Uint8Array`,
    );
  }
  return data;
}

function checkOptions(caller: string, options: WriteJsonAtomicOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options must be an object`);
  }
  const known =
    caller === "writeJsonAtomic"
      ? OPTION_KEYS
      : new Set([...OPTION_KEYS].filter((key) => key !== "space"));
  assertKnownOptions(caller, options, known);
  const signal = options.signal as unknown;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${caller}: signal must be an AbortSignal`);
  }
}

/** The sink's option errors, named after the helper the caller used. */
function renamed(error: unknown, caller: string): unknown {
  if (!(error instanceof TypeError || error instanceof RangeError)) return error;
  const message = error.message.replace(/^createFsSink:/, `${caller}:`);
  return error instanceof RangeError ? new RangeError(message) : new TypeError(message);
}

/** The sink's error with the caller's path as `target` (the sink only knows the file name). */
function withTarget(error: unknown, path: string): unknown {
  if (!isPersistenceError(error) || error.target === path) return error;
  return new PersistenceError(error.code, error.message, {
    stage: error.stage,
    target: path,
    details: error.details,
    ...("cause" in error ? { cause: error.cause } : {}),
  });
}
