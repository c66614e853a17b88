import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  isPersistenceError,
  type LoadResult,
  loadTarget,
  loadTargets,
  type Sink,
  type SinkReadOptions,
} from "../src/index.js";
import { textCodec as makeTextCodec } from "./support/fakes.js";

const encoder = new TextEncoder();

const textCodec = makeTextCodec();

/** A sink whose targets named `hung*` never answer (unless their signal aborts). */
function hangingSink() {
  const reads: { target: string; signal: AbortSignal | undefined }[] = [];
  const sink: Sink = {
    capabilities: {
      atomicReplace: true,
      durable: true,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    },
    write: async () => ({ bytes: 0, durable: true }),
    read(target: string, options?: SinkReadOptions) {
      reads.push({ target, signal: options?.signal });
      if (target.startsWith("hung")) return new Promise<Uint8Array>(() => {});
      return Promise.resolve(encoder.encode(`value of ${target}`));
    },
  };
  return { sink, reads };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function settledFlag<T>(promise: Promise<T>) {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

describe("loadTarget() deadlines", () => {
  it("resolves ERR_TIMEOUT when the sink does not answer within timeoutMs, and aborts the read", async () => {
    const { sink, reads } = hangingSink();
    const loading = loadTarget(sink, "hung.json", textCodec, { timeoutMs: 500 });
    const state = settledFlag(loading);
    await vi.advanceTimersByTimeAsync(499);
    expect(state.done).toBe(false);
    expect(reads[0]?.signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await loading;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("ERR_TIMEOUT");
    expect(result.error.target).toBe("hung.json");
    expect(reads[0]?.signal?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("resolves ERR_ABORTED when the caller's signal aborts, with the reason as cause", async () => {
    const { sink } = hangingSink();
    const controller = new AbortController();
    const loading = loadTarget(sink, "hung.json", textCodec, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    const reason = new Error("shutting down");
    controller.abort(reason);
    const result = await loading;
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isPersistenceError(result.error, "ERR_ABORTED")).toBe(true);
    expect(result.error.cause).toBe(reason);
  });

  it("does not read at all with an already aborted signal", async () => {
    const { sink, reads } = hangingSink();
    const result = await loadTarget(sink, "a.json", textCodec, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_ABORTED" } });
    expect(reads).toEqual([]);
  });

  it("clears its timer when the load finishes first", async () => {
    const { sink } = hangingSink();
    const result = await loadTarget(sink, "a.json", textCodec, { timeoutMs: 60_000 });
    expect(result).toMatchObject({ ok: true, value: "value of a.json" });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects a bad timeoutMs or signal", async () => {
    const { sink } = hangingSink();
    for (const timeoutMs of [-1, Number.NaN]) {
      await expect(loadTarget(sink, "a", textCodec, { timeoutMs })).rejects.toThrow(RangeError);
    }
    await expect(loadTarget(sink, "a", textCodec, { signal: {} as AbortSignal })).rejects.toThrow(
      TypeError,
    );
  });
});

describe("loadTargets() deadlines", () => {
  it("times out a hung target without holding up the others", async () => {
    const { sink } = hangingSink();
    const loading = loadTargets(
      [
        { sink, target: "hung.json", codec: textCodec },
        { sink, target: "a.json", codec: textCodec },
        { sink, target: "b.json", codec: textCodec },
      ],
      { concurrency: 1, timeoutMs: 1000 },
    );
    await vi.advanceTimersByTimeAsync(1000);
    const [hung, a, b] = (await loading) as LoadResult<string>[];
    expect(hung).toMatchObject({ ok: false, error: { code: "ERR_TIMEOUT" } });
    expect(a).toMatchObject({ ok: true, value: "value of a.json" });
    expect(b).toMatchObject({ ok: true, value: "value of b.json" });
  });

  it("lets a spec's own timeoutMs win over the batch's", async () => {
    const { sink } = hangingSink();
    const loading = loadTargets(
      [
        { sink, target: "hung-1.json", codec: textCodec, timeoutMs: 100 },
        { sink, target: "hung-2.json", codec: textCodec },
      ],
      { timeoutMs: 5000 },
    );
    const state = settledFlag(loading);
    await vi.advanceTimersByTimeAsync(100);
    expect(state.done).toBe(false);
    await vi.advanceTimersByTimeAsync(4900);
    const results = await loading;
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
      "ERR_TIMEOUT",
      "ERR_TIMEOUT",
    ]);
  });

  it("aborts the batch: running loads and those not started yet resolve ERR_ABORTED", async () => {
    const { sink, reads } = hangingSink();
    const controller = new AbortController();
    const loading = loadTargets(
      [
        { sink, target: "hung.json", codec: textCodec },
        { sink, target: "a.json", codec: textCodec },
      ],
      { concurrency: 1, signal: controller.signal },
    );
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const results = await loading;
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
      "ERR_ABORTED",
      "ERR_ABORTED",
    ]);
    expect(reads.map((r) => r.target)).toEqual(["hung.json"]);
  });

  it("rejects a bad batch timeoutMs before loading anything", async () => {
    const { sink, reads } = hangingSink();
    await expect(
      loadTargets([{ sink, target: "a", codec: textCodec }], { timeoutMs: -5 }),
    ).rejects.toThrow(RangeError);
    expect(reads).toEqual([]);
  });
});
