import { createRequire, syncBuiltinESMExports } from "node:module";

// The CommonJS object is the one libraries share; an ESM namespace cannot be patched.
const fs = createRequire(import.meta.url)("node:fs") as typeof import("node:fs");

/** File-system activity counted while recording. */
export interface FsCounts {
  /** Files opened for writing plus path-based `writeFile` calls: each is one file written. */
  physicalWrites: number;
  /** `write`/`writev`/`writeFile` calls that carried data. */
  writeCalls: number;
  /** `fsync`/`fdatasync` calls (files and directories). */
  fsyncs: number;
  /** `rename` calls. */
  renames: number;
  /** Bytes handed to the kernel by those writes. */
  bytes: number;
}

/** Counts file-system calls made by anything in this process, third-party libraries included. */
export interface FsCounters {
  /** Zeroes the counts and starts counting. */
  start(): void;
  /** Stops counting and returns the counts since `start()`. */
  stop(): FsCounts;
  /** The counts since `start()`, while counting goes on. */
  peek(): FsCounts;
}

type AnyFn = (...args: unknown[]) => unknown;

const STD_FDS = new Set([0, 1, 2]);
const WRITE_FLAG_CHARS = /[wa+]/;

function isWriteFlag(flags: unknown): boolean {
  if (typeof flags === "string") return WRITE_FLAG_CHARS.test(flags);
  if (typeof flags === "number") {
    const { O_WRONLY, O_RDWR } = fs.constants;
    return (flags & (O_WRONLY | O_RDWR)) !== 0;
  }
  return false;
}

function byteLengthOf(data: unknown, encoding: unknown): number {
  if (typeof data === "string") {
    return Buffer.byteLength(
      data,
      typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
    );
  }
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** The encoding in a `writeFile`-style options argument (a string, or an object's `encoding`). */
function encodingOf(options: unknown): unknown {
  return typeof options === "object" && options !== null
    ? (options as { encoding?: unknown }).encoding
    : options;
}

/** Replaces `owner[name]` by `wrap(original)`, keeping the original's own symbols (promisify hooks). */
function patch(owner: object, name: string, wrap: (original: AnyFn) => AnyFn): void {
  const record = owner as Record<string, unknown>;
  const original = record[name];
  if (typeof original !== "function") return;
  const wrapped = wrap(original as AnyFn);
  for (const symbol of Object.getOwnPropertySymbols(original)) {
    Object.defineProperty(wrapped, symbol, {
      value: (original as unknown as Record<symbol, unknown>)[symbol],
      configurable: true,
    });
  }
  record[name] = wrapped;
}

let installed: FsCounters | undefined;

/** Number of `Float64Array` slots a shared count store needs. */
export const FS_COUNT_FIELDS = 5;

/** Options of {@link installFsCounters}. */
export interface FsCountersOptions {
  /**
   * Keep the counts in this array (5 slots: physical writes, write calls, fsyncs, renames, bytes),
   * for example over a `SharedArrayBuffer`, so a worker thread's counts can be read by its owner.
   */
  readonly shared?: Float64Array | undefined;
}

/** Reads counts out of a shared store (see {@link FsCountersOptions.shared}). */
export function readFsCounts(store: Float64Array): FsCounts {
  return { ...countsView(store) };
}

function countsView(store: Float64Array): FsCounts {
  const slot = (index: number) => ({
    get: () => store[index] ?? 0,
    set: (value: number) => {
      store[index] = value;
    },
    enumerable: true,
  });
  const view = {} as FsCounts;
  Object.defineProperties(view, {
    physicalWrites: slot(0),
    writeCalls: slot(1),
    fsyncs: slot(2),
    renames: slot(3),
    bytes: slot(4),
  });
  return view;
}

/**
 * Installs counting wrappers around `node:fs`, `node:fs/promises` and `FileHandle.prototype` (once
 * per process) and updates the ESM named exports with `syncBuiltinESMExports`. Call it before
 * importing libraries that capture fs functions at load time (stubborn-fs, used by atomically,
 * does). Writes to stdin/stdout/stderr are not counted.
 */
export async function installFsCounters(options: FsCountersOptions = {}): Promise<FsCounters> {
  if (installed) return installed;
  let active = false;
  const store = options.shared ?? new Float64Array(FS_COUNT_FIELDS);
  if (store.length < FS_COUNT_FIELDS) {
    throw new RangeError(`shared counts need ${FS_COUNT_FIELDS} slots, got ${store.length}`);
  }
  const counts = countsView(store);
  const addBytes = (n: unknown): void => {
    if (active && typeof n === "number") counts.bytes += n;
  };
  const countFdWrite = (fd: unknown): boolean => {
    if (!active || (typeof fd === "number" && STD_FDS.has(fd))) return false;
    counts.writeCalls++;
    return true;
  };

  const wrapCallback = (args: unknown[], onDone: (result: unknown) => void): unknown[] => {
    const last = args[args.length - 1];
    if (typeof last !== "function") return args;
    const copy = args.slice();
    copy[copy.length - 1] = (err: unknown, ...rest: unknown[]) => {
      if (!err) onDone(rest[0]);
      (last as AnyFn)(err, ...rest);
    };
    return copy;
  };

  // Calls that only need counting: fsync-like and rename-like functions.
  const tally = (target: object, names: readonly string[], field: "fsyncs" | "renames"): void => {
    for (const name of names) {
      patch(
        target,
        name,
        (original) =>
          function counted(this: unknown, ...args: unknown[]) {
            if (active) counts[field]++;
            return original.apply(this, args);
          },
      );
    }
  };

  // Callback API.
  patch(
    fs,
    "open",
    (original) =>
      function open(this: unknown, ...args: unknown[]) {
        if (active && isWriteFlag(args[1])) counts.physicalWrites++;
        return original.apply(this, args);
      },
  );
  for (const name of ["write", "writev"]) {
    patch(
      fs,
      name,
      (original) =>
        function write(this: unknown, ...args: unknown[]) {
          const counted = countFdWrite(args[0]);
          return original.apply(this, counted ? wrapCallback(args, addBytes) : args);
        },
    );
  }
  // fs.writeFile (callback) is built on the exported fs.open/fs.write, which count it already.
  tally(fs, ["fsync", "fdatasync"], "fsyncs");
  tally(fs, ["rename"], "renames");

  // Sync API. writeFileSync sometimes goes through the exported openSync/writeSync and sometimes
  // not (string fast path), so it counts itself and mutes the calls it makes.
  let muted = 0;
  patch(
    fs,
    "openSync",
    (original) =>
      function openSync(this: unknown, ...args: unknown[]) {
        if (active && muted === 0 && isWriteFlag(args[1])) counts.physicalWrites++;
        return original.apply(this, args);
      },
  );
  for (const name of ["writeSync", "writevSync"]) {
    patch(
      fs,
      name,
      (original) =>
        function writeSync(this: unknown, ...args: unknown[]) {
          const counted = muted === 0 && countFdWrite(args[0]);
          const result = original.apply(this, args);
          if (counted) addBytes(result);
          return result;
        },
    );
  }
  patch(
    fs,
    "writeFileSync",
    (original) =>
      function writeFileSync(this: unknown, ...args: unknown[]) {
        if (active && typeof args[0] !== "number") counts.physicalWrites++;
        if (countFdWrite(args[0])) {
          counts.bytes += byteLengthOf(args[1], encodingOf(args[2]));
        }
        muted++;
        try {
          return original.apply(this, args);
        } finally {
          muted--;
        }
      },
  );
  tally(fs, ["fsyncSync", "fdatasyncSync"], "fsyncs");
  tally(fs, ["renameSync"], "renames");

  // Promise API.
  patch(
    fs.promises,
    "open",
    (original) =>
      function open(this: unknown, ...args: unknown[]) {
        if (active && isWriteFlag(args[1])) counts.physicalWrites++;
        return original.apply(this, args);
      },
  );
  patch(
    fs.promises,
    "writeFile",
    (original) =>
      function writeFile(this: unknown, ...args: unknown[]) {
        if (active && typeof args[0] !== "object") counts.physicalWrites++;
        if (active) {
          counts.writeCalls++;
          counts.bytes += byteLengthOf(args[1], encodingOf(args[2]));
        }
        return original.apply(this, args);
      },
  );
  tally(fs.promises, ["rename"], "renames");

  // FileHandle methods live on a prototype shared by every handle.
  const probe = await fs.promises.open(process.execPath, "r");
  const handleProto = Object.getPrototypeOf(probe) as object;
  await probe.close();
  for (const name of ["write", "writev"]) {
    patch(
      handleProto,
      name,
      (original) =>
        async function handleWrite(this: unknown, ...args: unknown[]) {
          const counting = active;
          if (counting) counts.writeCalls++;
          const result = (await original.apply(this, args)) as { bytesWritten?: number };
          if (counting) counts.bytes += result.bytesWritten ?? 0;
          return result;
        },
    );
  }
  patch(
    handleProto,
    "writeFile",
    (original) =>
      function writeFile(this: unknown, ...args: unknown[]) {
        if (active) {
          counts.writeCalls++;
          counts.bytes += byteLengthOf(args[0], args[1]);
        }
        return original.apply(this, args);
      },
  );
  tally(handleProto, ["sync", "datasync"], "fsyncs");

  syncBuiltinESMExports();

  installed = {
    start() {
      counts.physicalWrites = 0;
      counts.writeCalls = 0;
      counts.fsyncs = 0;
      counts.renames = 0;
      counts.bytes = 0;
      active = true;
    },
    stop() {
      active = false;
      return { ...counts };
    },
    peek: () => ({ ...counts }),
  };
  return installed;
}
