import { describe, expect, it } from "vitest";
import { createPersistenceWriter, PersistenceError, type WriteFailed } from "../src/index.js";
import { FakeClock, FakeSink, flush, textCodec } from "./support/fakes.js";

/** Lets queued microtasks run, but no macrotask: no timer, no I/O, no setImmediate. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 100; i++) await Promise.resolve();
}

/** One macrotask turn (a `setImmediate`), with the microtasks it leads to. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * `count` targets on an unbounded writer whose every `snapshot()` takes 3 ms of clock time (the
 * clock's `now()` moves, its timers do not), with the default slice budget of 4 ms.
 */
function slowSnapshots(count: number, sink = new FakeSink()) {
  const clock = new FakeClock();
  const writer = createPersistenceWriter({
    sink,
    clock,
    executor: "inline",
    concurrency: Number.POSITIVE_INFINITY,
    sliceBudgetMs: 4,
  });
  const snapshots: string[] = [];
  const handles = Array.from({ length: count }, (_, i) =>
    writer.register(`t${i}`, {
      snapshot: () => {
        clock.skew += 3;
        snapshots.push(`t${i}`);
        return "x";
      },
      codec: textCodec(),
      debounceMs: 100,
    }),
  );
  return { clock, sink, writer, snapshots, handles };
}

describe("starting many writes", () => {
  it("starts writes in slices of sliceBudgetMs and yields to the event loop between them", async () => {
    const { snapshots, handles } = slowSnapshots(10);
    for (const handle of handles) handle.request("r", { urgency: "immediate" });
    await microtasks();
    // 0 ms and 3 ms into the slice: two starts; the third would begin 6 ms in.
    expect(snapshots).toEqual(["t0", "t1"]);
    await nextTurn();
    expect(snapshots).toEqual(["t0", "t1", "t2", "t3"]);
    await flush();
    expect(snapshots).toHaveLength(10);
  });

  it("never starts a write still waiting for its slice once the close deadline passed", async () => {
    const sink = new FakeSink();
    for (let i = 0; i < 10; i++) sink.steps.push({ kind: "hang" });
    const { clock, writer, snapshots, handles } = slowSnapshots(10, sink);
    const tickets = handles.map((handle) => handle.request("dirty"));
    const closing = writer.close({ timeoutMs: 50 });
    expect(snapshots).toEqual(["t0", "t1"]);
    // The deadline timer fires before the next turn would start more.
    clock.advanceSync(50);
    const report = await closing;
    await flush();
    expect(snapshots).toEqual(["t0", "t1"]);
    expect(sink.calls.map((call) => call.target)).toEqual(["t0", "t1"]);
    expect(sink.calls.every((call) => call.signal?.aborted === true)).toBe(true);
    expect(report.targets.map((line) => line.outcome)).toEqual(Array(10).fill("timed-out"));
    for (const ticket of tickets) {
      expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
    }
  });
});

describe("close() deadline", () => {
  it("counts from the call, including the time spent cancelling the targets' timers", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock, executor: "inline", concurrency: 2 });
    const handles = Array.from({ length: 10 }, (_, i) =>
      writer.register(`t${i}`, { snapshot: () => "x", codec: textCodec(), debounceMs: 1000 }),
    );
    for (const handle of handles) handle.request("dirty");
    for (let i = 0; i < 10; i++) sink.steps.push({ kind: "hang" });
    // Cancelling each debounce timer takes 1 ms of clock time.
    const clearTimeout = clock.clearTimeout.bind(clock);
    clock.clearTimeout = (handle) => {
      clock.skew += 1;
      clearTimeout(handle);
    };
    let done = false;
    const closing = writer.close({ timeoutMs: 100 }).then((report) => {
      done = true;
      return report;
    });
    await clock.advance(89);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    const report = await closing;
    expect(report.durationMs).toBe(100);
    expect(report.targets.map((line) => line.outcome)).toEqual(Array(10).fill("timed-out"));
  });

  it("hands results of attempts that end after it to listeners and onResult in one batch, after close() resolved", async () => {
    const clock = new FakeClock();
    const order: string[] = [];
    const sink = new FakeSink();
    sink.write = (target, _chunks, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener("abort", () => {
          reject(new PersistenceError("ERR_ABORTED", `aborted ${target}`, { stage: "write" }));
        });
      });
    const writer = createPersistenceWriter({
      sink,
      clock,
      executor: "inline",
      onResult: (result) => order.push(`onResult ${result.target}`),
    });
    writer.subscribe((event) => {
      if (event.type === "write-finished") order.push(`event ${event.target}`);
      if (event.type === "closed") order.push("closed event");
    });
    const tickets = ["a", "b", "c"].map((target) =>
      writer.register(target, { snapshot: () => "x", codec: textCodec() }).request("dirty"),
    );
    const closing = writer.close({ timeoutMs: 100 }).then((report) => {
      order.push("close resolved");
      return report;
    });
    await flush();
    expect(order).toEqual([]);
    clock.advanceSync(100);
    await microtasks();
    expect(order).toEqual(["closed event", "close resolved"]);
    await nextTurn();
    expect(order).toEqual([
      "closed event",
      "close resolved",
      "onResult a",
      "event a",
      "onResult b",
      "event b",
      "onResult c",
      "event c",
    ]);
    expect((await closing).targets.map((line) => line.outcome)).toEqual([
      "timed-out",
      "timed-out",
      "timed-out",
    ]);
    // The tickets still carry the attempt's own ERR_ABORTED as the cause of their ERR_TIMEOUT.
    for (const ticket of tickets) {
      const result = (await ticket.settled) as WriteFailed;
      expect(result.error.code).toBe("ERR_TIMEOUT");
      expect(result.error.cause).toMatchObject({ code: "ERR_ABORTED" });
    }
  });
});
