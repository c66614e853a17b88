import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  type SinkWriteOptions,
  type SinkWriteResult,
} from "../src/index.js";
import { ATTEMPTS_PER_SIGNAL, AttemptSignals } from "../src/writer/attempt-signals.js";
import { FakeSink, textCodec } from "./support/fakes.js";

/** Resolves after `turns` microtask turns. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await Promise.resolve();
}

/**
 * A fake sink whose writes put two abort listeners on their signal and stay in flight for 50
 * microtask turns (while the other writes start), counting how many run at once.
 */
class ListeningSink extends FakeSink {
  maxActive = 0;

  override async write(
    target: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: SinkWriteOptions,
  ): Promise<SinkWriteResult> {
    const signal = options?.signal as AbortSignal;
    const listeners = [() => undefined, () => undefined];
    for (const listener of listeners) signal.addEventListener("abort", listener);
    this.steps.push({ kind: "gate", gate: turns(50) });
    const written = super.write(target, chunks, options);
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await written;
    } finally {
      for (const listener of listeners) signal.removeEventListener("abort", listener);
    }
  }
}

describe("AttemptSignals", () => {
  it("shares a controller between at most ATTEMPTS_PER_SIGNAL attempts started in a row", () => {
    const signals = new AttemptSignals();
    const taken = Array.from({ length: ATTEMPTS_PER_SIGNAL * 2 + 1 }, () => signals.take());
    const distinct = new Set(taken);
    expect(distinct.size).toBe(3);
    for (const controller of distinct) {
      expect(taken.filter((c) => c === controller).length).toBeLessThanOrEqual(ATTEMPTS_PER_SIGNAL);
    }
  });

  it("aborts the controllers with an attempt running, not those whose attempts all ended", () => {
    const signals = new AttemptSignals();
    const first = Array.from({ length: ATTEMPTS_PER_SIGNAL }, () => signals.take());
    const second = Array.from({ length: ATTEMPTS_PER_SIGNAL }, () => signals.take());
    for (const controller of first) signals.done(controller);
    // One of the second group's attempts ended, the others still run.
    signals.done(second[0] as AbortController);
    const reason = new Error("deadline");
    signals.abortRunning(reason);
    expect((first[0] as AbortController).signal.aborted).toBe(false);
    expect((second[0] as AbortController).signal.aborted).toBe(true);
    expect((second[0] as AbortController).signal.reason).toBe(reason);
  });

  it("hands out a fresh controller after abortRunning", () => {
    const signals = new AttemptSignals();
    const running = signals.take();
    signals.abortRunning(new Error("deadline"));
    const next = signals.take();
    expect(running.signal.aborted).toBe(true);
    expect(next).not.toBe(running);
    expect(next.signal.aborted).toBe(false);
  });
});

describe("the writer's attempt signals", () => {
  it("stay below Node's listener warning with two abort listeners per write and 16 at once", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on("warning", onWarning);
    try {
      const sink = new ListeningSink();
      const writer = createPersistenceWriter({ sink, executor: "inline", concurrency: 16 });
      const handles = Array.from({ length: 64 }, (_, i) =>
        writer.register(`t-${i}`, { snapshot: () => `v${i}`, codec: textCodec() }),
      );
      const results = await Promise.all(handles.map((h) => h.saveNow("test")));
      await writer.close();
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => process.nextTick(resolve));
      expect(results.every((r) => r.ok)).toBe(true);
      // Enough writes at once that one signal for all of them would pass Node's limit of ten.
      expect(sink.maxActive).toBeGreaterThanOrEqual(6);
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
