import { stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { describe, expect, it, vi } from "vitest";
import {
  type Codec,
  createInlineExecutor,
  createPersistenceWriter,
  createSlicedExecutor,
  isPersistenceError,
} from "../src/index.js";
import { FakeClock, FakeSink } from "./support/fakes.js";

const context = () => ({ target: "t", generation: 1, signal: new AbortController().signal });

function* chunks(count: number, onStep?: (i: number) => void): Generator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    onStep?.(i);
    yield new Uint8Array([i]);
  }
}

async function drain(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = [];
  for await (const chunk of source) out.push(...chunk);
  return out;
}

describe("inline executor", () => {
  it("hands the codec's iterable to the sink unchanged", () => {
    const source = chunks(3);
    expect(createInlineExecutor().stream(source, context())).toBe(source);
    expect(createInlineExecutor().name).toBe("inline");
  });
});

describe("sliced executor", () => {
  it("yields to the event loop each time the budget is spent", async () => {
    let now = 0;
    let yields = 0;
    const executor = createSlicedExecutor({
      budgetMs: 4,
      now: () => now,
      yieldToEventLoop: async () => {
        yields++;
      },
    });
    const source = chunks(20, () => {
      now += 1;
    });
    expect(await drain(executor.stream(source, context()))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(yields).toBe(5);
  });

  it("does not yield while the budget lasts", async () => {
    let yields = 0;
    const executor = createSlicedExecutor({
      budgetMs: 1000,
      now: () => 0,
      yieldToEventLoop: async () => {
        yields++;
      },
    });
    await drain(executor.stream(chunks(50), context()));
    expect(yields).toBe(0);
  });

  it("lets setImmediate callbacks run between codec steps, where inline does not", async () => {
    async function turnsSeenDuringEncode(executor: "inline" | "sliced"): Promise<number[]> {
      let turns = 0;
      let ticking = true;
      const tick = () => {
        turns++;
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      await new Promise<void>((resolve) => setImmediate(resolve));
      const seen: number[] = [];
      const codec: Codec<number> = {
        name: "busy",
        *encode(steps: number) {
          for (let i = 0; i < steps; i++) {
            const until = performance.now() + 2;
            while (performance.now() < until) {
              // burn 2 ms of CPU, like a large encode step
            }
            seen.push(turns);
            yield new Uint8Array(1);
          }
        },
        decode: () => 0,
      };
      const writer = createPersistenceWriter({
        sink: new FakeSink(),
        clock: new FakeClock(),
        executor,
        sliceBudgetMs: 3,
      });
      const handle = writer.register("busy", { snapshot: () => 10, codec });
      const result = await handle.saveNow("go");
      ticking = false;
      expect(result.ok).toBe(true);
      return seen;
    }
    const inline = await turnsSeenDuringEncode("inline");
    expect(inline.at(-1)).toBe(inline[0]);
    const sliced = await turnsSeenDuringEncode("sliced");
    expect((sliced.at(-1) ?? 0) - (sliced[0] ?? 0)).toBeGreaterThanOrEqual(3);
  });

  it("lets a due timer run before the next slice when an I/O callback resumed the encode", async () => {
    // A sink awaiting a writev resumes the encode from an I/O callback (the poll phase); a single
    // setImmediate from there runs in the same loop iteration, before any timer.
    const events: string[] = [];
    let now = 0;
    const executor = createSlicedExecutor({ budgetMs: 1, now: () => now });
    const source = chunks(2, (i) => {
      events.push(`step ${i}`);
      now += 1;
    });
    const pull = (executor.stream(source, context()) as AsyncIterable<Uint8Array>)[
      Symbol.asyncIterator
    ]();
    await pull.next();
    await stat(tmpdir());
    setTimeout(() => events.push("timer"), 0);
    // Make the timer due before the loop reaches its next timers phase.
    const until = performance.now() + 3;
    while (performance.now() < until) {
      // wait
    }
    await pull.next();
    expect(events).toEqual(["step 0", "timer", "step 1"]);
  });

  it("keeps going under vitest fake timers: the yield is not a timer", async () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const executor = createSlicedExecutor({ budgetMs: 1, now: () => now++ });
      expect(await drain(executor.stream(chunks(10), context()))).toHaveLength(10);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops pulling with ERR_ABORTED once the signal is aborted", async () => {
    const controller = new AbortController();
    let now = 0;
    let pulled = 0;
    const executor = createSlicedExecutor({
      budgetMs: 1,
      now: () => now,
      yieldToEventLoop: async () => {
        controller.abort(new Error("deadline"));
      },
    });
    const source = chunks(10, () => {
      pulled++;
      now += 1;
    });
    await expect(
      drain(executor.stream(source, { target: "t", generation: 1, signal: controller.signal })),
    ).rejects.toSatisfy((error: unknown) => isPersistenceError(error, "ERR_ABORTED"));
    expect(pulled).toBe(1);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    "rejects budgetMs %s with a RangeError",
    (budgetMs) => {
      expect(() => createSlicedExecutor({ budgetMs })).toThrow(RangeError);
    },
  );
});
