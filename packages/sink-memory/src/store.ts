import {
  PersistenceError,
  type SinkWriteOptions,
  type SinkWriteResult,
  type TargetId,
} from "@snapwrite/core";
import {
  type SinkQuarantineNowOptions,
  type SinkReadNowOptions,
  toPersistenceError,
} from "@snapwrite/core/sink-kit";
import { abortError, collect } from "./collect-chunks.js";
import type { ParsedMemorySinkOptions } from "./options.js";
import { concatEntry, type Entry, holds } from "./stored-entry.js";

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

/** Mutable counters behind `stats()`. Internal. */
export interface MemoryCounters {
  writes: number;
  failures: number;
  bytes: number;
  chunks: number;
  maxChunkBytes: number;
  reads: number;
  quarantines: number;
  pending: number;
}

/** The state of a memory sink and its storage steps, for `defineSink`. Internal. */
export interface MemoryStore {
  readonly primaries: Map<TargetId, Entry>;
  readonly backups: Map<TargetId, Entry>;
  readonly quarantineLog: MemorySinkQuarantineRecord[];
  readonly counters: MemoryCounters;
  readonly byTarget: Map<TargetId, { writes: number; bytes: number }>;
  writeNow(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options: SinkWriteOptions,
  ): Promise<SinkWriteResult>;
  readNow(target: TargetId, options: SinkReadNowOptions): Promise<Uint8Array>;
  quarantineNow(
    target: TargetId,
    reason: string,
    options: SinkQuarantineNowOptions,
  ): Promise<string>;
}

/**
 * Creates the maps of a memory sink and the steps that change them: an atomic swap after the last
 * chunk (and the optional latency), copies out on read, quarantine under a unique key. Internal.
 */
export function createMemoryStore(options: ParsedMemorySinkOptions): MemoryStore {
  const { clock, latencyFor, fencing, copyChunks } = options;
  const keepBackup = options.backup;
  const primaries = new Map<TargetId, Entry>();
  const backups = new Map<TargetId, Entry>();
  const quarantineLog: MemorySinkQuarantineRecord[] = [];
  const byTarget = new Map<TargetId, { writes: number; bytes: number }>();
  const counters: MemoryCounters = {
    writes: 0,
    failures: 0,
    bytes: 0,
    chunks: 0,
    maxChunkBytes: 0,
    reads: 0,
    quarantines: 0,
    pending: 0,
  };

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

  function checkFence(target: TargetId, generation: number | undefined): void {
    if (!fencing || generation === undefined) return;
    const stored = primaries.get(target)?.generation;
    if (stored !== undefined && generation < stored) throw staleError(target, generation, stored);
  }

  async function writeNow(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    writeOptions: SinkWriteOptions,
  ): Promise<SinkWriteResult> {
    const { signal, generation } = writeOptions;
    checkFence(target, generation);
    const received = await collect(target, chunks, signal, copyChunks);
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
      if (chunk.byteLength > counters.maxChunkBytes) counters.maxChunkBytes = chunk.byteLength;
    }
    const perTarget = byTarget.get(target) ?? { writes: 0, bytes: 0 };
    perTarget.writes += 1;
    perTarget.bytes += received.bytes;
    byTarget.set(target, perTarget);
    return { bytes: received.bytes, durable: false };
  }

  async function readNow(target: TargetId, readOptions: SinkReadNowOptions): Promise<Uint8Array> {
    const { from } = readOptions;
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
    return concatEntry(entry);
  }

  async function quarantineNow(
    target: TargetId,
    reason: string,
    quarantineOptions: SinkQuarantineNowOptions,
  ): Promise<string> {
    const { expected } = quarantineOptions;
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
    quarantineLog.push(Object.freeze({ target, key, reason, at }));
    counters.quarantines += 1;
    return key;
  }

  return {
    primaries,
    backups,
    quarantineLog,
    counters,
    byTarget,
    writeNow,
    readNow,
    quarantineNow,
  };
}

function staleError(target: TargetId, generation: number, stored: number): PersistenceError {
  return new PersistenceError(
    "ERR_STALE",
    `write of ${JSON.stringify(target)} generation ${generation} is older than stored generation ${stored}`,
    { stage: "write", target, details: { generation, stored } },
  );
}
