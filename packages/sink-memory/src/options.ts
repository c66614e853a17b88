import type { Clock, TargetId } from "@snapwrite/core";
import {
  assertClock,
  assertKnownOptions,
  MAX_TIMER_MS,
  systemClock,
} from "@snapwrite/core/sink-kit";

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
  /** Time source and timers for latency and quarantine names. Default: core's `systemClock`. */
  readonly clock?: Clock | undefined;
}

/** Options of {@link createMemorySink} once checked, with their defaults. Internal. */
export interface ParsedMemorySinkOptions {
  /** Delay of one operation; throws a `RangeError` when a latency function returns nonsense. */
  readonly latencyFor: (info: MemorySinkLatencyInfo) => number;
  readonly clock: Clock;
  readonly backup: boolean;
  readonly fencing: boolean;
  readonly copyChunks: boolean;
}

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof MemorySinkOptions>([
  "latencyMs",
  "backup",
  "durable",
  "fencing",
  "copyChunks",
  "clock",
]);

/** Checks the options of {@link createMemorySink} and fills in the defaults. Internal. */
export function parseMemorySinkOptions(options: MemorySinkOptions): ParsedMemorySinkOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createMemorySink: options must be an object");
  }
  // A misspelt option would silently keep its default (`bakup: true` keeping no backup).
  assertKnownOptions("createMemorySink", options, OPTION_KEYS);
  const latency = options.latencyMs ?? 0;
  if (typeof latency !== "number" && typeof latency !== "function") {
    throw new TypeError("createMemorySink: latencyMs must be a number or a function");
  }
  if (typeof latency === "number") checkLatency("latencyMs", latency);
  if (options.durable !== undefined && options.durable !== false) {
    throw new TypeError("a memory sink cannot be durable: durable must be false or undefined");
  }
  if (options.clock !== undefined) assertClock(options.clock, "createMemorySink");
  const latencyFor = (info: MemorySinkLatencyInfo): number => {
    if (typeof latency === "number") return latency;
    const ms = latency(info.op, info);
    checkLatency("latencyMs()", ms);
    return ms;
  };
  return {
    latencyFor,
    clock: options.clock ?? systemClock,
    backup: booleanOption("backup", options.backup),
    fencing: booleanOption("fencing", options.fencing),
    copyChunks: booleanOption("copyChunks", options.copyChunks),
  };
}

function checkLatency(name: string, ms: unknown): void {
  // Longer than `MAX_TIMER_MS` (2^31 − 1 ms), `setTimeout` fires after ~1 ms instead.
  if (typeof ms !== "number" || !(Number.isFinite(ms) && ms >= 0 && ms <= MAX_TIMER_MS)) {
    throw new RangeError(
      `createMemorySink: ${name} must be a finite number in 0..${MAX_TIMER_MS}, got ${String(ms)}`,
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
