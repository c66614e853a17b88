import {
  assertValidTarget,
  type Clock,
  createSerialQueue,
  isPersistenceError,
  PersistenceError,
  raceAbort,
  type Sink,
  type SinkCapabilities,
  type SinkQuarantineOptions,
  type SinkReadOptions,
  type SinkWriteOptions,
  type SinkWriteResult,
  type TargetId,
  toPersistenceError,
  type WriteStage,
} from "@snapwrite/core";

/** The operations of a {@link MemorySink} that can be slowed down with `latencyMs`. */
export type MemorySinkOperation = "write" | "read" | "quarantine";

/** What a `latencyMs` function is told about the operation it delays. */
export interface MemorySinkLatencyInfo {
  /** Operation being delayed. */
  readonly op: MemorySinkOperation;
  /** Target concerned. */
  readonly target: TargetId;
  /** For `write`: bytes received (the delay happens after the last chunk, before the swap). */
  readonly bytes?: number | undefined;
}

/** Options of {@link createMemorySink}. */
export interface MemorySinkOptions {
  /**
   * Artificial delay, in ms, of every operation, or a function choosing it per operation from the
   * operation's name and details. A write is delayed after its last chunk arrived and before its
   * content is swapped in, so a read during the delay still sees the old content. Default `0` (no
   * timer at all).
   */
  readonly latencyMs?:
    | number
    | ((op: MemorySinkOperation, info: MemorySinkLatencyInfo) => number)
    | undefined;
  /** Keep the previous version of a target, readable with `{ from: "backup" }`. Default `false`. */
  readonly backup?: boolean | undefined;
  /**
   * A memory sink is never durable. Accepted for symmetry with file sinks; anything but `false`
   * or `undefined` is a `TypeError`.
   */
  readonly durable?: false | undefined;
  /**
   * Refuse a write whose `generation` is older than the stored one with `ERR_STALE`, like a sink
   * shared by several processes would. Default `false`.
   */
  readonly fencing?: boolean | undefined;
  /**
   * Copy every chunk on arrival instead of retaining it. Chunks are handed over by contract
   * (docs/architecture.md#executors), so the default `false` keeps them as they are; turn it on when a test reuses buffers.
   */
  readonly copyChunks?: boolean | undefined;
  /** Time source and timers for latency and quarantine names. Default: `Date.now` and global timers. */
  readonly clock?: Clock | undefined;
}

/** Counters of a {@link MemorySink}, for tests and the bench. */
export interface MemorySinkStats {
  /** Writes whose content was swapped in. */
  readonly writes: number;
  /** Writes that rejected (abort, source error, invalid target, stale, closed). */
  readonly failures: number;
  /** Bytes of the successful writes. */
  readonly bytes: number;
  /** Non-empty chunks of the successful writes. */
  readonly chunks: number;
  /** Largest single chunk received, in bytes. */
  readonly maxChunkBytes: number;
  /** Successful reads. */
  readonly reads: number;
  /** Successful quarantines. */
  readonly quarantines: number;
  /** Writes queued or running right now. */
  readonly pending: number;
  /** Successful writes and their bytes, per target. */
  readonly byTarget: Readonly<
    Record<TargetId, { readonly writes: number; readonly bytes: number }>
  >;
}

/** One quarantined version, as {@link MemorySink.quarantined} lists it. */
export interface MemorySinkQuarantineRecord {
  /** Target whose primary was moved. */
  readonly target: TargetId;
  /** Key it was moved to, readable with `read(key)`. */
  readonly key: TargetId;
  /** Reason given to `quarantine`. */
  readonly reason: string;
  /** Clock time of the move. */
  readonly at: number;
}

/** Which store an inspection helper looks at. */
export interface MemorySinkInspectOptions {
  /** Primaries (default, including quarantined keys) or backups. */
  readonly from?: "primary" | "backup" | undefined;
}

/** The in-memory reference {@link Sink}, with inspection helpers for tests and the bench. */
export interface MemorySink extends Sink {
  /**
   * Moves the primary to a unique `<target>.corrupt-<time>` key and resolves with that key. With
   * `expected`, moves it only while it holds exactly those bytes (checked in the target's queue,
   * after earlier writes), else rejects with `ERR_STALE` (`details.reason: "changed"`).
   */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
  /** Waits for queued writes, then makes further writes and quarantines reject with `ERR_CLOSED`. */
  close(): Promise<void>;
  /** `close()`, for `await using sink = createMemorySink()`. */
  [Symbol.asyncDispose](): Promise<void>;
  /** A copy of the counters. */
  stats(): MemorySinkStats;
  /** Copies of the stored contents, by key. */
  snapshot(options?: MemorySinkInspectOptions): Map<TargetId, Uint8Array>;
  /** The stored keys, sorted. */
  keys(options?: MemorySinkInspectOptions): TargetId[];
  /** Every quarantine so far, oldest first. */
  quarantined(): MemorySinkQuarantineRecord[];
  /**
   * Stores `bytes` (copied) directly, bypassing the write queue and counters: seeds a test with
   * given content, such as a corrupt primary or backup.
   */
  put(target: TargetId, bytes: Uint8Array, options?: { readonly to?: "primary" | "backup" }): void;
}

interface Entry {
  readonly chunks: readonly Uint8Array[];
  readonly bytes: number;
  readonly generation: number | undefined;
}

const DEFAULT_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Creates the in-memory reference sink: atomic replace (content is swapped in only after the last
 * chunk arrived), writes serialized per target in call order (the last call wins), copies out on
 * read, optional backup of the previous version, quarantine, and injectable latency.
 *
 * Chunks are retained as handed over (docs/architecture.md#executors), without concatenation, so a write costs no copy;
 * `read` and `snapshot` concatenate into fresh buffers. Set `copyChunks` if a caller reuses buffers.
 */
export function createMemorySink(options: MemorySinkOptions = {}): MemorySink {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createMemorySink: options must be an object");
  }
  for (const key of Object.keys(options)) {
    // A misspelt option would silently keep its default (`bakup: true` keeping no backup).
    if (!OPTION_KEYS.has(key)) {
      throw new TypeError(
        `createMemorySink: unknown option ${JSON.stringify(key)}; known: ${[...OPTION_KEYS].join(", ")}`,
      );
    }
  }
  const latency = options.latencyMs ?? 0;
  if (typeof latency !== "number" && typeof latency !== "function") {
    throw new TypeError("createMemorySink: latencyMs must be a number or a function");
  }
  if (typeof latency === "number") checkLatency("latencyMs", latency);
  if (options.durable !== undefined && options.durable !== false) {
    throw new TypeError("a memory sink cannot be durable: durable must be false or undefined");
  }
  if (options.clock !== undefined) assertClock(options.clock);
  const clock = options.clock ?? DEFAULT_CLOCK;
  const keepBackup = booleanOption("backup", options.backup);
  const fencing = booleanOption("fencing", options.fencing);
  const copyChunks = booleanOption("copyChunks", options.copyChunks);

  const primaries = new Map<TargetId, Entry>();
  const backups = new Map<TargetId, Entry>();
  // Writes and quarantines of one target run one at a time, in call order.
  const queue = createSerialQueue<TargetId>();
  const quarantineLog: MemorySinkQuarantineRecord[] = [];
  const byTarget = new Map<TargetId, { writes: number; bytes: number }>();
  const counters = {
    writes: 0,
    failures: 0,
    bytes: 0,
    chunks: 0,
    maxChunkBytes: 0,
    reads: 0,
    quarantines: 0,
    pending: 0,
  };
  let closed = false;

  const capabilities: SinkCapabilities = Object.freeze({
    atomicReplace: true,
    durable: false,
    backup: keepBackup,
    crossProcessLock: false,
    fencing,
  });

  function latencyFor(info: MemorySinkLatencyInfo): number {
    if (typeof latency === "number") return latency;
    const ms = latency(info.op, info);
    checkLatency("latencyMs()", ms);
    return ms;
  }

  function abortError(target: TargetId, stage: WriteStage, signal: AbortSignal): PersistenceError {
    return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} was aborted`, {
      stage,
      target,
      cause: signal.reason,
    });
  }

  /** Resolves after `ms`, or rejects with `ERR_ABORTED` as soon as `signal` aborts. */
  function sleep(ms: number, target: TargetId, signal: AbortSignal | undefined): Promise<void> {
    if (ms === 0) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortError(target, "write", signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clock.clearTimeout(handle);
        reject(abortError(target, "write", signal as AbortSignal));
      };
      const handle = clock.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  function acceptChunk(chunk: unknown, index: number, target: TargetId): Uint8Array {
    if (!(chunk instanceof Uint8Array)) {
      const kind = chunk === null ? "null" : typeof chunk;
      throw new PersistenceError(
        "ERR_ENCODE",
        `chunk ${index} written to ${JSON.stringify(target)} is not a Uint8Array (got ${kind})`,
        { stage: "encode", target, details: { reason: "not-bytes", index } },
      );
    }
    return copyChunks ? chunk.slice() : chunk;
  }

  /** Pulls every chunk, honouring the signal between chunks and while an async source waits. */
  async function collect(
    target: TargetId,
    source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    signal: AbortSignal | undefined,
  ): Promise<{ chunks: Uint8Array[]; bytes: number }> {
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let index = 0;
    const keep = (value: unknown): void => {
      const chunk = acceptChunk(value, index, target);
      index += 1;
      if (chunk.byteLength === 0) return;
      chunks.push(chunk);
      bytes += chunk.byteLength;
    };
    const isAsync =
      typeof (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function";
    if (!isAsync && typeof (source as Iterable<Uint8Array>)[Symbol.iterator] !== "function") {
      throw new PersistenceError(
        "ERR_ENCODE",
        `chunks written to ${JSON.stringify(target)} are not iterable`,
        { stage: "encode", target, details: { reason: "not-iterable" } },
      );
    }
    if (isAsync) {
      const iterator = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
      let done = false;
      try {
        while (true) {
          if (signal?.aborted) throw abortError(target, "write", signal);
          let step: IteratorResult<Uint8Array>;
          try {
            step = await raceAbort(Promise.resolve(iterator.next()), signal, (aborted) =>
              abortError(target, "write", aborted),
            );
          } catch (error) {
            if (isPersistenceError(error, "ERR_ABORTED") && signal?.aborted) throw error;
            done = true;
            throw toPersistenceError(error, { stage: "write", target });
          }
          if (step.done === true) {
            done = true;
            break;
          }
          keep(step.value);
        }
      } finally {
        // An abandoned source must be told to clean up; its own failure to do so is not ours.
        if (!done) Promise.resolve(iterator.return?.()).catch(() => undefined);
      }
    } else {
      const iterator = (source as Iterable<Uint8Array>)[Symbol.iterator]();
      let done = false;
      try {
        while (true) {
          if (signal?.aborted) throw abortError(target, "write", signal);
          let step: IteratorResult<Uint8Array>;
          try {
            step = iterator.next();
          } catch (error) {
            done = true;
            throw toPersistenceError(error, { stage: "write", target });
          }
          if (step.done === true) {
            done = true;
            break;
          }
          keep(step.value);
        }
      } finally {
        if (!done) {
          try {
            iterator.return?.();
          } catch {
            // Same as above: cleanup failures of an abandoned source are not the write's error.
          }
        }
      }
    }
    return { chunks, bytes };
  }

  function staleError(target: TargetId, generation: number, stored: number): PersistenceError {
    return new PersistenceError(
      "ERR_STALE",
      `write of ${JSON.stringify(target)} generation ${generation} is older than stored generation ${stored}`,
      { stage: "write", target, details: { generation, stored } },
    );
  }

  function checkFence(target: TargetId, generation: number | undefined): void {
    if (!fencing || generation === undefined) return;
    const stored = primaries.get(target)?.generation;
    if (stored !== undefined && generation < stored) throw staleError(target, generation, stored);
  }

  function concat(entry: Entry): Uint8Array {
    const out = new Uint8Array(entry.bytes);
    let at = 0;
    for (const chunk of entry.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }

  async function write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    writeOptions: SinkWriteOptions = {},
  ): Promise<SinkWriteResult> {
    const { signal, generation } = writeOptions;
    counters.pending += 1;
    try {
      assertValidTarget(target, { stage: "open" });
      if (closed) {
        throw new PersistenceError("ERR_CLOSED", `sink is closed; cannot write ${target}`, {
          stage: "open",
          target,
        });
      }
      if (signal?.aborted) throw abortError(target, "write", signal);
      return await queue.run(
        target,
        async () => {
          checkFence(target, generation);
          const received = await collect(target, chunks, signal);
          let delay: number;
          try {
            delay = latencyFor({ op: "write", target, bytes: received.bytes });
          } catch (error) {
            throw toPersistenceError(error, { stage: "write", target });
          }
          await sleep(delay, target, signal);
          if (signal?.aborted) throw abortError(target, "write", signal);
          checkFence(target, generation);
          const previous = primaries.get(target);
          if (keepBackup && previous !== undefined) backups.set(target, previous);
          primaries.set(target, { chunks: received.chunks, bytes: received.bytes, generation });
          counters.writes += 1;
          counters.bytes += received.bytes;
          counters.chunks += received.chunks.length;
          for (const chunk of received.chunks) {
            if (chunk.byteLength > counters.maxChunkBytes)
              counters.maxChunkBytes = chunk.byteLength;
          }
          const perTarget = byTarget.get(target) ?? { writes: 0, bytes: 0 };
          perTarget.writes += 1;
          perTarget.bytes += received.bytes;
          byTarget.set(target, perTarget);
          return { bytes: received.bytes, durable: false };
        },
        { signal, abortError: (aborted) => abortError(target, "write", aborted) },
      );
    } catch (error) {
      counters.failures += 1;
      throw error;
    } finally {
      counters.pending -= 1;
    }
  }

  async function read(target: TargetId, readOptions: SinkReadOptions = {}): Promise<Uint8Array> {
    assertValidTarget(target);
    const from = readOptions.from ?? "primary";
    if (from !== "primary" && from !== "backup") {
      throw new TypeError(`read: from must be "primary" or "backup", got ${String(from)}`);
    }
    let delay: number;
    try {
      delay = latencyFor({ op: "read", target });
    } catch (error) {
      throw toPersistenceError(error, { target, direction: "read" });
    }
    await sleep(delay, target, undefined);
    const entry = (from === "backup" ? backups : primaries).get(target);
    if (entry === undefined) {
      const what = from === "backup" ? "no backup of" : "no such target";
      throw new PersistenceError("ERR_NOT_FOUND", `${what} ${JSON.stringify(target)}`, {
        target,
        details: { from },
      });
    }
    counters.reads += 1;
    return concat(entry);
  }

  async function quarantine(
    target: TargetId,
    reason: string,
    quarantineOptions: SinkQuarantineOptions = {},
  ): Promise<string> {
    assertValidTarget(target);
    const expected = quarantineOptions?.expected;
    if (expected !== undefined && !(expected instanceof Uint8Array)) {
      throw new TypeError("quarantine: expected must be a Uint8Array");
    }
    if (closed) {
      throw new PersistenceError("ERR_CLOSED", `sink is closed; cannot quarantine ${target}`, {
        target,
      });
    }
    return queue.run(target, async () => {
      let delay: number;
      try {
        delay = latencyFor({ op: "quarantine", target });
      } catch (error) {
        throw toPersistenceError(error, { stage: "rename", target });
      }
      await sleep(delay, target, undefined);
      const entry = primaries.get(target);
      if (entry === undefined) {
        throw new PersistenceError(
          "ERR_NOT_FOUND",
          `cannot quarantine ${JSON.stringify(target)}: no such target`,
          { target, details: { from: "primary" } },
        );
      }
      if (expected !== undefined && !holds(entry, expected)) {
        throw new PersistenceError(
          "ERR_STALE",
          `not quarantining ${JSON.stringify(target)}: it changed since it was read`,
          {
            target,
            details: { reason: "changed", bytes: entry.bytes, expectedBytes: expected.byteLength },
          },
        );
      }
      const at = clock.now();
      const base = `${target}.corrupt-${Math.floor(at)}`;
      let key = base;
      for (let n = 1; primaries.has(key); n += 1) key = `${base}-${n}`;
      primaries.delete(target);
      primaries.set(key, { chunks: entry.chunks, bytes: entry.bytes, generation: undefined });
      quarantineLog.push(Object.freeze({ target, key, reason: String(reason), at }));
      counters.quarantines += 1;
      return key;
    });
  }

  async function close(): Promise<void> {
    closed = true;
    await queue.idle();
  }

  function stats(): MemorySinkStats {
    const perTarget: Record<TargetId, { writes: number; bytes: number }> = {};
    for (const [target, value] of byTarget) perTarget[target] = { ...value };
    return Object.freeze({ ...counters, byTarget: Object.freeze(perTarget) });
  }

  function storeOf(inspect: MemorySinkInspectOptions | undefined): Map<TargetId, Entry> {
    return inspect?.from === "backup" ? backups : primaries;
  }

  function snapshot(inspect?: MemorySinkInspectOptions): Map<TargetId, Uint8Array> {
    const out = new Map<TargetId, Uint8Array>();
    const store = storeOf(inspect);
    for (const key of [...store.keys()].sort()) {
      out.set(key, concat(store.get(key) as Entry));
    }
    return out;
  }

  function keys(inspect?: MemorySinkInspectOptions): TargetId[] {
    return [...storeOf(inspect).keys()].sort();
  }

  function put(
    target: TargetId,
    bytes: Uint8Array,
    putOptions?: { readonly to?: "primary" | "backup" },
  ): void {
    assertValidTarget(target);
    if (!(bytes instanceof Uint8Array)) throw new TypeError("put: bytes must be a Uint8Array");
    const copy = bytes.slice();
    const entry: Entry = { chunks: [copy], bytes: copy.byteLength, generation: undefined };
    (putOptions?.to === "backup" ? backups : primaries).set(target, entry);
  }

  return {
    capabilities,
    write,
    read,
    quarantine,
    close,
    [Symbol.asyncDispose]: close,
    stats,
    snapshot,
    keys,
    quarantined: () => quarantineLog.slice(),
    put,
  };
}

/** True when the entry's chunks hold exactly `expected` (sizes compared first). */
function holds(entry: Entry, expected: Uint8Array): boolean {
  if (entry.bytes !== expected.byteLength) return false;
  let at = 0;
  for (const chunk of entry.chunks) {
    for (let i = 0; i < chunk.byteLength; i += 1) {
      if (chunk[i] !== expected[at + i]) return false;
    }
    at += chunk.byteLength;
  }
  return true;
}

/** Longest delay `setTimeout` honours (2^31 − 1 ms, ~24.8 days); a longer one fires after ~1 ms. */
const MAX_LATENCY_MS = 2_147_483_647;

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof MemorySinkOptions>([
  "latencyMs",
  "backup",
  "durable",
  "fencing",
  "copyChunks",
  "clock",
]);

function checkLatency(name: string, ms: unknown): void {
  if (typeof ms !== "number" || !(Number.isFinite(ms) && ms >= 0 && ms <= MAX_LATENCY_MS)) {
    throw new RangeError(
      `createMemorySink: ${name} must be a finite number in 0..${MAX_LATENCY_MS}, got ${String(ms)}`,
    );
  }
}

function booleanOption(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(`createMemorySink: ${name} must be a boolean, got ${typeof value}`);
  }
  return value;
}

function assertClock(clock: unknown): void {
  const given = clock as Partial<Record<keyof Clock, unknown>> | null;
  if (typeof given !== "object" || given === null) {
    throw new TypeError(
      "createMemorySink: clock must be an object with now, setTimeout, clearTimeout",
    );
  }
  for (const name of ["now", "setTimeout", "clearTimeout"] as const) {
    if (typeof given[name] !== "function") {
      throw new TypeError(`createMemorySink: clock.${name} must be a function`);
    }
  }
}
