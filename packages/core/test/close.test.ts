import { describe, expect, it, vi } from "vitest";
import {
  createPersistenceWriter,
  isPersistenceError,
  PersistenceError,
  type PersistenceEvent,
  type WriteFailed,
  type WriteResult,
} from "../src/index.js";
import { deferred, FakeClock, FakeSink, flush, textCodec } from "./support/fakes.js";
import { setup } from "./support/setup.js";

function twoTargets(shutdownB: "flush" | "skip" = "flush") {
  const clock = new FakeClock();
  const sink = new FakeSink();
  const writer = createPersistenceWriter({ sink, clock, executor: "inline", random: () => 0.5 });
  const values = { a: "a0", b: "b0" };
  const a = writer.register("a", { snapshot: () => values.a, codec: textCodec(), debounceMs: 100 });
  const b = writer.register("b", {
    snapshot: () => values.b,
    codec: textCodec(),
    debounceMs: 100,
    shutdown: shutdownB,
  });
  return { clock, sink, writer, a, b, values };
}

/** One target whose first write, started before close(), fails ERR_BUSY once `gate` resolves. */
async function writeFailingAfterGate() {
  const clock = new FakeClock();
  const sink = new FakeSink();
  const results: WriteResult[] = [];
  const writer = createPersistenceWriter({
    sink,
    clock,
    executor: "inline",
    random: () => 0.5,
    onResult: (r) => results.push(r),
  });
  const a = writer.register("a", { snapshot: () => "a", codec: textCodec(), debounceMs: 100 });
  const gate = deferred();
  const busy = new PersistenceError("ERR_BUSY", "busy", { stage: "rename" });
  sink.steps.push({ kind: "gate", gate: gate.promise, error: busy });
  a.request("1");
  await clock.advance(100);
  return { clock, sink, writer, results, gate };
}

describe("close()", () => {
  it("writes unsaved flush targets at once, without waiting for the debounce", async () => {
    const { clock, sink, writer, a, b, values } = twoTargets();
    values.a = "a-final";
    const ticket = a.request("x");
    const report = await writer.close();
    expect(sink.written.map((w) => [w.target, w.text])).toEqual([["a", "a-final"]]);
    expect(report.ok).toBe(true);
    expect(report.durationMs).toBe(0);
    expect(report.targets).toEqual([
      { target: "a", outcome: "written", generation: 1, error: undefined },
      { target: "b", outcome: "clean", generation: 0, error: undefined },
    ]);
    expect(await ticket.settled).toMatchObject({ ok: true, generation: 1 });
    expect(Object.isFrozen(report)).toBe(true);
    expect(Object.isFrozen(report.targets[0])).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(b.state.unsaved).toBe(false);
  });

  it("skips shutdown: skip targets and settles their tickets with ERR_CLOSED", async () => {
    const { sink, writer, b } = twoTargets("skip");
    const ticket = b.request("x");
    const report = await writer.close();
    expect(sink.calls).toHaveLength(0);
    expect(report.ok).toBe(true);
    expect(report.targets[1]).toMatchObject({ target: "b", outcome: "skipped", generation: 1 });
    const result = (await ticket.settled) as WriteFailed;
    expect(result).toMatchObject({ ok: false, stage: "close", willRetry: false, requests: 1 });
    expect(result.error.code).toBe("ERR_CLOSED");
    expect(result.error.stage).toBe("close");
  });

  it("waits for the write in flight, then writes what came after it", async () => {
    const { clock, sink, writer, a, values } = twoTargets();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    a.request("1");
    await clock.advance(100);
    values.a = "after";
    const later = a.request("2");
    const closing = writer.close();
    await clock.advance(50);
    expect(sink.calls).toHaveLength(1);
    gate.resolve();
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "written", generation: 2 });
    expect(sink.written.map((w) => w.text)).toEqual(["a0", "after"]);
    expect(await later.settled).toMatchObject({ ok: true, generation: 2 });
    expect(report.durationMs).toBe(50);
  });

  it("aborts a hung write at the deadline, never hangs, and settles its tickets ERR_TIMEOUT", async () => {
    const { clock, sink, writer, a, b } = twoTargets();
    sink.steps.push({ kind: "hang" });
    const inFlight = a.request("1");
    await clock.advance(100);
    const queued = a.request("2");
    const bTicket = b.request("b");
    const closing = writer.close({ timeoutMs: 500 });
    let done = false;
    void closing.then(() => {
      done = true;
    });
    await clock.advance(499);
    expect(done).toBe(false);
    const signal = sink.calls[0]?.signal;
    expect(signal?.aborted).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(isPersistenceError(signal?.reason, "ERR_ABORTED")).toBe(true);
    const report = await closing;
    expect(report.ok).toBe(false);
    expect(report.durationMs).toBe(500);
    expect(report.targets[0]).toMatchObject({ target: "a", outcome: "timed-out", generation: 2 });
    expect(report.targets[0]?.error?.code).toBe("ERR_TIMEOUT");
    expect(report.targets[1]).toMatchObject({ target: "b", outcome: "written" });
    for (const ticket of [inFlight, queued]) {
      const result = (await ticket.settled) as WriteFailed;
      expect(result).toMatchObject({ ok: false, stage: "close" });
      expect(result.error.code).toBe("ERR_TIMEOUT");
    }
    expect((await inFlight.settled).generation).toBe(1);
    expect((await queued.settled).generation).toBe(2);
    expect(await bTicket.settled).toMatchObject({ ok: true });
  });

  it("honours the deadline with vitest fake timers and the default clock", async () => {
    vi.useFakeTimers();
    try {
      const sink = new FakeSink();
      sink.steps.push({ kind: "hang" });
      const writer = createPersistenceWriter({ sink });
      const handle = writer.register("t", { snapshot: () => "x", codec: textCodec() });
      const ticket = handle.request("r", { urgency: "immediate" });
      await vi.advanceTimersByTimeAsync(0);
      expect(sink.calls).toHaveLength(1);
      const closing = writer.close({ timeoutMs: 2000 });
      await vi.advanceTimersByTimeAsync(1999);
      expect(sink.calls[0]?.signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      const report = await closing;
      expect(report.targets[0]?.outcome).toBe("timed-out");
      expect(report.durationMs).toBeCloseTo(2000, 0);
      expect(sink.calls[0]?.signal?.aborted).toBe(true);
      expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports timed-out when a sink honours the abort signal", async () => {
    const { clock, sink, writer, a } = twoTargets();
    let aborted: unknown;
    sink.write = (_target, _chunks, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener("abort", () => {
          aborted = options.signal?.reason;
          reject(new PersistenceError("ERR_ABORTED", "aborted", { stage: "write" }));
        });
      });
    a.request("1");
    const closing = writer.close({ timeoutMs: 200 });
    await clock.advance(200);
    const report = await closing;
    expect(report.targets[0]?.outcome).toBe("timed-out");
    expect(isPersistenceError(aborted, "ERR_ABORTED")).toBe(true);
  });

  it("settles the tickets of a write the sink aborted at the deadline with ERR_TIMEOUT, not ERR_ABORTED", async () => {
    const { clock, sink, writer, a } = twoTargets();
    const results: WriteFailed[] = [];
    writer.subscribe((event) => {
      if (event.type === "write-finished" && event.result?.ok === false) results.push(event.result);
    });
    sink.write = (_target, _chunks, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener("abort", () => {
          reject(new PersistenceError("ERR_ABORTED", "aborted", { stage: "write" }));
        });
      });
    const inFlight = a.request("1");
    await clock.advance(100);
    const queued = a.request("2");
    const closing = writer.close({ timeoutMs: 200 });
    await clock.advance(200);
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "timed-out", generation: 2 });
    for (const ticket of [inFlight, queued]) {
      const result = (await ticket.settled) as WriteFailed;
      expect(result).toMatchObject({ ok: false, stage: "close", willRetry: false });
      expect(result.error.code).toBe("ERR_TIMEOUT");
    }
    const inFlightResult = (await inFlight.settled) as WriteFailed;
    expect(inFlightResult.generation).toBe(1);
    expect(isPersistenceError(inFlightResult.error.cause, "ERR_ABORTED")).toBe(true);
    // The attempt itself is still reported as what it was.
    expect(results.map((r) => r.error.code)).toEqual(["ERR_ABORTED"]);
  });

  it("gives a target that failed permanently one more attempt", async () => {
    const { clock, sink, writer, a } = twoTargets();
    sink.steps.push({ kind: "fail", error: new PersistenceError("ERR_STALE", "fenced") });
    a.request("1");
    await clock.advance(100);
    expect(sink.calls).toHaveLength(1);
    const report = await writer.close();
    expect(sink.calls).toHaveLength(2);
    expect(report.targets[0]).toMatchObject({ outcome: "written", generation: 1 });
  });

  it("reports failed when the final attempt fails permanently", async () => {
    const { clock, sink, writer, a } = twoTargets();
    const stale = new PersistenceError("ERR_STALE", "fenced");
    sink.steps.push({ kind: "fail", error: stale }, { kind: "fail", error: stale });
    a.request("1");
    await clock.advance(100);
    const report = await writer.close();
    expect(sink.calls).toHaveLength(2);
    expect(report.ok).toBe(false);
    expect(report.targets[0]).toMatchObject({ outcome: "failed", generation: 1 });
    expect(report.targets[0]?.error).toBe(stale);
  });

  it("retries transient failures during close while the deadline allows", async () => {
    const { clock, sink, writer, a } = twoTargets();
    const busy = () => new PersistenceError("ERR_BUSY", "busy", { stage: "rename" });
    sink.steps.push({ kind: "fail", error: busy() }, { kind: "fail", error: busy() });
    const ticket = a.request("1");
    const closing = writer.close({ timeoutMs: 1000 });
    await clock.advance(100);
    expect(sink.calls).toHaveLength(2);
    await clock.advance(200);
    const report = await closing;
    expect(sink.calls).toHaveLength(3);
    expect(report.targets[0]).toMatchObject({ outcome: "written" });
    // The close loop retried it, after the backoff the result announced.
    const first = (await ticket.settled) as WriteFailed;
    expect(first).toMatchObject({ ok: false, willRetry: true });
    expect(first.retryInMs).toBeGreaterThan(0);
    expect(first.retryInMs).toBeLessThanOrEqual(100);
  });

  it("says a failure in close will be retried at once when its write began before close()", async () => {
    const { writer, results, gate } = await writeFailingAfterGate();
    const closing = writer.close({ timeoutMs: 1000 });
    gate.resolve();
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "written" });
    expect(results[0]).toMatchObject({ ok: false, willRetry: true, retryInMs: 0 });
    expect(results[1]).toMatchObject({ ok: true });
    expect(report.durationMs).toBe(0);
  });

  it("says a transient failure after the close deadline will not be retried", async () => {
    const { clock, sink, writer, results, gate } = await writeFailingAfterGate();
    const closing = writer.close({ timeoutMs: 200 });
    await clock.advance(200);
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "timed-out" });
    gate.resolve();
    const deadline = Date.now() + 5_000;
    while (results.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1));
    expect(results[0]).toMatchObject({ ok: false, willRetry: false });
    expect(results[0]?.ok === false ? results[0].retryInMs : "none").toBeUndefined();
    expect(sink.calls).toHaveLength(1);
  });

  it("reports timed-out with the last error as cause when retries run out of time", async () => {
    const { clock, sink, writer, a } = twoTargets();
    const busy = new PersistenceError("ERR_BUSY", "busy", { stage: "rename" });
    for (let i = 0; i < 50; i++) sink.steps.push({ kind: "fail", error: busy });
    a.request("1");
    const closing = writer.close({ timeoutMs: 1000 });
    await clock.advance(1000);
    const report = await closing;
    expect(report.targets[0]?.outcome).toBe("timed-out");
    expect(report.targets[0]?.error?.code).toBe("ERR_TIMEOUT");
    expect(report.targets[0]?.error?.cause).toBe(busy);
    expect(clock.pendingTimers).toBe(0);
  });

  it("retries a target in backoff at once when close begins", async () => {
    const { clock, sink, writer, a } = twoTargets();
    sink.steps.push({ kind: "fail", error: new Error("EIO") });
    a.request("1");
    await clock.advance(100);
    const report = await writer.close();
    expect(sink.calls).toHaveLength(2);
    expect(report.targets[0]?.outcome).toBe("written");
  });

  it("cancels pending timers", async () => {
    const { clock, sink, writer, a } = twoTargets("skip");
    a.request("1");
    expect(clock.pendingTimers).toBe(1);
    const report = await writer.close();
    expect(report.targets[0]?.outcome).toBe("written");
    await clock.advance(10_000);
    expect(sink.calls).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("throws ERR_CLOSED from request, saveNow and register once close began", async () => {
    const { writer, a } = twoTargets();
    const closing = writer.close();
    for (const call of [
      () => a.request("x"),
      () => a.saveNow("x"),
      () => writer.register("c", { snapshot: () => "", codec: textCodec() }),
    ]) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(isPersistenceError(thrown, "ERR_CLOSED")).toBe(true);
    }
    await closing;
    expect(() => a.request("x")).toThrow(PersistenceError);
  });

  it("is idempotent: a second close returns the same promise", async () => {
    const { writer, sink, a } = twoTargets();
    a.request("1");
    const first = writer.close();
    const second = writer.close({ timeoutMs: 1 });
    expect(second).toBe(first);
    await first;
    expect(await writer.close()).toBe(await first);
    expect(sink.calls).toHaveLength(1);
  });

  it("closes through Symbol.asyncDispose", async () => {
    const { writer, sink, a } = twoTargets();
    a.request("1");
    await writer[Symbol.asyncDispose]();
    expect(sink.calls).toHaveLength(1);
    expect(writer.health().closed).toBe(true);
    expect(() => a.request("2")).toThrow(/closed/);
  });

  it("resolves at once for a writer without targets and emits closed", async () => {
    const clock = new FakeClock();
    const writer = createPersistenceWriter({ sink: new FakeSink(), clock });
    const events: PersistenceEvent[] = [];
    writer.subscribe((event) => events.push(event));
    const report = await writer.close();
    expect(report).toEqual({ ok: true, durationMs: 0, targets: [] });
    expect(events.map((e) => e.type)).toEqual(["closed"]);
  });

  it("with timeoutMs 0 still reports every target and settles every ticket", async () => {
    const { clock, sink, writer, a } = twoTargets();
    sink.steps.push({ kind: "hang" });
    const ticket = a.request("1");
    const closing = writer.close({ timeoutMs: 0 });
    await clock.advance(0);
    const report = await closing;
    expect(report.targets[0]?.outcome).toBe("timed-out");
    expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
  });

  it("with timeoutMs 0 needs no clock turn: clean, skipped and timed-out at once", async () => {
    const { writer, sink, a, b } = twoTargets("skip");
    sink.steps.push({ kind: "hang" });
    const clean = writer.register("c", { snapshot: () => "c", codec: textCodec() });
    a.request("1");
    b.request("2");
    const report = await writer.close({ timeoutMs: 0 });
    expect(report.targets.map((t) => [t.target, t.outcome])).toEqual([
      ["a", "timed-out"],
      ["b", "skipped"],
      ["c", "clean"],
    ]);
    expect(sink.calls).toHaveLength(0);
    expect(clean.state.unsaved).toBe(false);
  });

  it("reports a write that finished just before the deadline as written", async () => {
    const { clock, sink, writer, a } = twoTargets();
    let release!: () => void;
    sink.steps.push({
      kind: "gate",
      gate: new Promise<void>((resolve) => {
        release = resolve;
      }),
    });
    a.request("1");
    await clock.advance(100);
    const closing = writer.close({ timeoutMs: 300 });
    clock.setTimeout(release, 299);
    await clock.advance(300);
    expect((await closing).targets[0]?.outcome).toBe("written");
  });

  it("waits as long as writes take with timeoutMs Infinity", async () => {
    const { clock, sink, writer, a } = twoTargets();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    a.request("1");
    const closing = writer.close({ timeoutMs: Number.POSITIVE_INFINITY });
    await clock.advance(3_600_000);
    let done = false;
    void closing.then(() => {
      done = true;
    });
    await flush();
    expect(done).toBe(false);
    gate.resolve();
    expect((await closing).targets[0]?.outcome).toBe("written");
  });

  it("rejects a bad timeoutMs with a RangeError, without closing", () => {
    const { writer, a } = twoTargets();
    expect(() => writer.close({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => writer.close({ timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => a.request("still open")).not.toThrow();
  });

  it("rejects a misspelt option or options that are no object with a TypeError, without closing", () => {
    const { writer, a } = twoTargets();
    expect(() => writer.close({ timeoutms: 5 } as never)).toThrow(
      new TypeError('close: unknown option "timeoutms"; known: timeoutMs'),
    );
    expect(() => writer.close(null as never)).toThrow(/options must be an object/);
    expect(() => writer.close(5 as never)).toThrow(TypeError);
    expect(() => a.request("still open")).not.toThrow();
  });

  it("still reports the outcome of a write that finishes after the deadline", async () => {
    const { clock, sink, writer, handle, results } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    const ticket = handle.request("1");
    await clock.advance(100);
    const closing = writer.close({ timeoutMs: 100 });
    await clock.advance(100);
    expect((await closing).targets[0]?.outcome).toBe("timed-out");
    gate.resolve();
    await flush();
    expect(results.at(-1)).toMatchObject({ ok: true, generation: 1 });
    expect(handle.state).toMatchObject({ durableGeneration: 1, inFlight: false, unsaved: false });
    expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
  });
});

describe("close() with delays above Node's 2^31 - 1 ms timer limit", () => {
  it.each([3e9, 2 ** 31])(
    "does not pass a %d ms deadline early: the write in flight finishes and is reported written",
    async (timeoutMs) => {
      const { clock, sink, writer, a } = twoTargets();
      const gate = deferred();
      sink.steps.push({ kind: "gate", gate: gate.promise });
      const ticket = a.request("1", { urgency: "immediate" });
      await flush();
      const closing = writer.close({ timeoutMs });
      await clock.advance(1000);
      expect(sink.calls[0]?.signal?.aborted).toBe(false);
      gate.resolve();
      const report = await closing;
      expect(report.targets[0]).toMatchObject({ outcome: "written", generation: 1 });
      expect(await ticket.settled).toMatchObject({ ok: true, generation: 1 });
      expect(clock.overflows).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    },
  );

  it("still passes a 3e9 ms deadline exactly when it is due", async () => {
    const { clock, sink, writer, a } = twoTargets();
    sink.steps.push({ kind: "hang" });
    const ticket = a.request("1", { urgency: "immediate" });
    await flush();
    const closing = writer.close({ timeoutMs: 3e9 });
    let done = false;
    void closing.then(() => {
      done = true;
    });
    await clock.advance(3e9 - 1);
    expect(done).toBe(false);
    expect(sink.calls[0]?.signal?.aborted).toBe(false);
    await clock.advance(1);
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "timed-out" });
    expect(report.durationMs).toBe(3e9);
    expect(sink.calls[0]?.signal?.aborted).toBe(true);
    expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
    expect(clock.overflows).toBe(0);
  });

  it("sleeps a 3e9 ms retry backoff during close instead of retrying every millisecond", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({
      sink,
      clock,
      executor: "inline",
      retry: { initialMs: 3e9, maxMs: 3e9, jitter: 0 },
    });
    const full = () => new PersistenceError("ERR_NO_SPACE", "disk full", { stage: "write" });
    for (let i = 0; i < 1000; i++) sink.steps.push({ kind: "fail", error: full() });
    const handle = writer.register("t", { snapshot: () => "x", codec: textCodec() });
    handle.request("1");
    const closing = writer.close({ timeoutMs: 500 });
    await clock.advance(500);
    const report = await closing;
    expect(sink.calls).toHaveLength(1);
    expect(report.targets[0]).toMatchObject({ outcome: "timed-out" });
    expect(clock.overflows).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it("does not pass a 2^31 ms deadline early on the system clock", async () => {
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, executor: "inline" });
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    const handle = writer.register("t", { snapshot: () => "x", codec: textCodec() });
    const ticket = handle.request("1", { urgency: "immediate" });
    await flush();
    const closing = writer.close({ timeoutMs: 2 ** 31 });
    // Node fires an overflowing timer after 1 ms: give it time to.
    await new Promise((resolve) => setTimeout(resolve, 30));
    gate.resolve();
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "written" });
    expect(await ticket.settled).toMatchObject({ ok: true });
  });
});
