import { concatChunks } from "../../src/codec-kit/index.js";
import type { Clock, Codec, Sink, SinkWriteOptions, SinkWriteResult } from "../../src/index.js";

/** Lets the event loop run a few turns so promise chains and setImmediate yields settle. */
export async function flush(turns = 8): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly delay: number;
}

/** Node's longest timer delay; longer ones overflow and fire after 1 ms. */
export const NODE_MAX_TIMER_MS = 2_147_483_647;

/**
 * A manual clock: time only moves in advance(), which fires due timers in order. Like Node's
 * timers, a delay above 2^31 - 1 ms overflows and fires after 1 ms (counted in `overflows`).
 */
export class FakeClock implements Clock {
  time = 0;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();
  /** Every delay ever passed to setTimeout, in call order. */
  readonly delays: number[] = [];

  /** Added to now() only, like a wall clock stepped by NTP: timers keep counting elapsed time. */
  skew = 0;

  now(): number {
    return this.time + this.skew;
  }

  /** Delays above 2^31 - 1 ms passed to setTimeout (each fired after 1 ms, like Node). */
  overflows = 0;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.delays.push(ms);
    let delay = Math.max(0, ms);
    if (delay > NODE_MAX_TIMER_MS) {
      this.overflows++;
      delay = 1;
    }
    this.timers.set(id, { at: this.time + delay, seq: id, fn, delay: ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms` and fires the due timers in order, synchronously: no promise settles
   * in between (a timer that fires between two macrotasks, with nothing else running).
   */
  advanceSync(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, FakeTimer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at > end) continue;
        if (next === undefined || entry[1].at < next[1].at) next = entry;
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = end;
  }

  /** Moves time forward by `ms`, firing due timers (and letting promises settle between them). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (let guard = 0; guard < 100_000; guard++) {
      let next: [number, FakeTimer] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at > end) continue;
        if (
          next === undefined ||
          entry[1].at < next[1].at ||
          (entry[1].at === next[1].at && entry[1].seq < next[1].seq)
        ) {
          next = entry;
        }
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

/** A promise with its resolve/reject exposed. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** What the fake sink does with one write. */
export type SinkStep =
  | { readonly kind: "ok" }
  | { readonly kind: "fail"; readonly error: unknown }
  | { readonly kind: "gate"; readonly gate: Promise<void>; readonly error?: unknown }
  | { readonly kind: "hang" };

export interface RecordedWrite {
  readonly target: string;
  readonly text: string;
  readonly generation: number | undefined;
  readonly signal: AbortSignal | undefined;
}

const decoder = new TextDecoder();

/** An in-memory sink whose next writes can be told to fail, wait for a gate, or hang. */
export class FakeSink implements Sink {
  readonly capabilities = {
    atomicReplace: true,
    durable: false,
    backup: false,
    crossProcessLock: false,
    fencing: false,
  };
  readonly files = new Map<string, Uint8Array>();
  /** Successful writes, in order. */
  readonly written: RecordedWrite[] = [];
  /** Every call to write(), in order. */
  readonly calls: RecordedWrite[] = [];
  readonly steps: SinkStep[] = [];
  active = 0;

  async write(
    target: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: SinkWriteOptions,
  ): Promise<SinkWriteResult> {
    const call = { target, text: "", generation: options?.generation, signal: options?.signal };
    this.calls.push(call);
    const step = this.steps.shift() ?? { kind: "ok" };
    this.active++;
    try {
      if (step.kind === "hang") await new Promise<never>(() => {});
      if (step.kind === "gate") await step.gate;
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      if (step.kind === "fail") throw step.error;
      if (step.kind === "gate" && step.error !== undefined) throw step.error;
      const bytes = concatChunks(parts);
      this.files.set(target, bytes);
      this.written.push({ ...call, text: decoder.decode(bytes) });
      return { bytes: bytes.byteLength, durable: false };
    } finally {
      this.active--;
    }
  }

  async read(target: string): Promise<Uint8Array> {
    const bytes = this.files.get(target);
    if (bytes === undefined) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
    return bytes;
  }
}

const encoder = new TextEncoder();

/** A codec of strings that yields one chunk per `chunkSize` characters. */
export function textCodec(chunkSize = 1_000_000): Codec<string> {
  return {
    name: "text",
    *encode(value: string) {
      for (let i = 0; i < value.length || i === 0; i += chunkSize) {
        yield encoder.encode(value.slice(i, i + chunkSize));
        if (value.length === 0) return;
      }
    },
    decode(bytes: Uint8Array): string {
      return decoder.decode(bytes);
    },
  };
}
