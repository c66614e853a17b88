import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  PersistenceError,
  type Sink,
  type SinkWriteOptions,
} from "../src/index.js";
import { ATTEMPTS_PER_SIGNAL, AttemptSignals } from "../src/writer/attempt-signals.js";
import { textCodec } from "./support/fakes.js";

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
      let active = 0;
      let maxActive = 0;
      const sink: Sink = {
        capabilities: {
          atomicReplace: true,
          durable: false,
          backup: false,
          crossProcessLock: false,
          fencing: false,
        },
        async write(_target: string, chunks: Iterable<Uint8Array>, options?: SinkWriteOptions) {
          active++;
          maxActive = Math.max(maxActive, active);
          const signal = options?.signal as AbortSignal;
          const listeners = [() => undefined, () => undefined];
          for (const listener of listeners) signal.addEventListener("abort", listener);
          let bytes = 0;
          for (const chunk of chunks) bytes += chunk.byteLength;
          // Stay in flight while the other writes start.
          for (let i = 0; i < 50; i++) await Promise.resolve();
          for (const listener of listeners) signal.removeEventListener("abort", listener);
          active--;
          return { bytes, durable: false };
        },
        async read(target: string) {
          throw new PersistenceError("ERR_NOT_FOUND", "none", { target });
        },
      };
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
      expect(maxActive).toBeGreaterThanOrEqual(6);
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });
});
