import { describe, expect, it } from "vitest";
import { createPersistenceWriter, PersistenceError, type PersistenceEvent } from "../src/index.js";
import { deferred, FakeClock, FakeSink, textCodec } from "./support/fakes.js";
import { setup } from "./support/setup.js";

describe("health()", () => {
  it("starts at zero for a registered target", () => {
    const { writer } = setup();
    expect(writer.health()).toEqual({
      targets: {
        "state.txt": {
          requests: 0,
          writes: 0,
          coalesced: 0,
          successes: 0,
          failures: 0,
          retries: 0,
          lastReason: undefined,
          lastError: undefined,
          failing: false,
          failingSince: undefined,
          lastSuccessAt: undefined,
          lastDurationMs: undefined,
          bytes: 0,
          unsaved: false,
          newerPending: false,
          pendingGeneration: 0,
          durableGeneration: 0,
          inFlight: false,
        },
      },
      totals: {
        targets: 1,
        unsavedTargets: 0,
        failingTargets: 0,
        requests: 0,
        writes: 0,
        coalesced: 0,
        successes: 0,
        failures: 0,
        retries: 0,
        bytes: 0,
      },
      closed: false,
      listenerErrors: 0,
    });
  });

  it("counts requests, writes, coalesced, successes, failures, retries and bytes", async () => {
    const { clock, sink, writer, handle, model } = setup({ retry: { initialMs: 100, jitter: 0 } });
    model.value = "abc";
    for (let i = 0; i < 5; i++) handle.request(`r${i}`);
    await clock.advance(100);
    sink.steps.push({
      kind: "fail",
      error: new PersistenceError("ERR_NO_SPACE", "full", { stage: "write" }),
    });
    model.value = "abcdefg";
    handle.request("a");
    handle.request("b");
    await clock.advance(150);
    const failing = writer.health().targets["state.txt"];
    expect(failing).toMatchObject({
      requests: 7,
      writes: 2,
      failures: 1,
      successes: 1,
      unsaved: true,
      newerPending: false,
      pendingGeneration: 7,
      durableGeneration: 5,
      lastReason: "b",
    });
    expect(failing?.lastError).toEqual({
      code: "ERR_NO_SPACE",
      stage: "write",
      message: "full",
      at: 200,
    });
    expect(Object.isFrozen(failing?.lastError)).toBe(true);
    expect(writer.health().totals.unsavedTargets).toBe(1);
    await clock.advance(100);
    const health = writer.health();
    expect(health.targets["state.txt"]).toMatchObject({
      requests: 7,
      writes: 3,
      coalesced: 5,
      successes: 2,
      failures: 1,
      retries: 1,
      bytes: 10,
      unsaved: false,
      lastSuccessAt: 300,
      durableGeneration: 7,
    });
    expect(health.targets["state.txt"]?.lastDurationMs).toBeGreaterThanOrEqual(0);
    expect(health.totals).toMatchObject({
      requests: 7,
      writes: 3,
      coalesced: 5,
      bytes: 10,
      unsavedTargets: 0,
    });
  });

  it("reports newerPending for requests no started write covers", async () => {
    const { clock, sink, writer, handle } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    handle.request("1");
    await clock.advance(100);
    expect(writer.health().targets["state.txt"]).toMatchObject({
      inFlight: true,
      newerPending: false,
    });
    handle.request("2");
    expect(writer.health().targets["state.txt"]).toMatchObject({
      inFlight: true,
      newerPending: true,
    });
    gate.resolve();
    await clock.advance(100);
    expect(writer.health().targets["state.txt"]).toMatchObject({
      inFlight: false,
      newerPending: false,
    });
  });

  it("sums totals over targets", async () => {
    const clock = new FakeClock();
    const writer = createPersistenceWriter({ sink: new FakeSink(), clock, executor: "inline" });
    const a = writer.register("a", { snapshot: () => "aa", codec: textCodec(), debounceMs: 10 });
    const b = writer.register("b", { snapshot: () => "bbb", codec: textCodec(), debounceMs: 10 });
    const c = writer.register("c", { snapshot: () => "c", codec: textCodec(), debounceMs: 10_000 });
    a.request("x");
    b.request("x");
    b.request("y");
    c.request("z");
    await clock.advance(10);
    const { totals } = writer.health();
    expect(totals).toEqual({
      targets: 3,
      unsavedTargets: 1,
      failingTargets: 0,
      requests: 4,
      writes: 2,
      coalesced: 1,
      successes: 2,
      failures: 0,
      retries: 0,
      bytes: 5,
    });
  });

  it("returns frozen snapshots that later activity does not change", async () => {
    const { clock, writer, handle } = setup();
    const before = writer.health();
    handle.request("x");
    await clock.advance(100);
    expect(before.targets["state.txt"]?.requests).toBe(0);
    expect(Object.isFrozen(before)).toBe(true);
    expect(Object.isFrozen(before.targets)).toBe(true);
    expect(Object.isFrozen(before.targets["state.txt"])).toBe(true);
    expect(Object.isFrozen(before.totals)).toBe(true);
    expect(() => {
      (before.totals as { requests: number }).requests = 5;
    }).toThrow(TypeError);
    const after = writer.health();
    expect(after.targets["state.txt"]?.requests).toBe(1);
    expect(Object.isFrozen(handle.state)).toBe(true);
  });
});

describe("subscribe()", () => {
  it("emits requested, write-started, write-finished, retry-scheduled and closed", async () => {
    const { clock, sink, writer, handle } = setup({ retry: { initialMs: 50, jitter: 0 } });
    const events: PersistenceEvent[] = [];
    writer.subscribe((event) => events.push(event));
    sink.steps.push({ kind: "fail", error: new Error("EIO") });
    handle.request("x");
    await clock.advance(100);
    await clock.advance(50);
    await writer.close();
    expect(events.map((e) => [e.type, e.target, e.generation])).toEqual([
      ["requested", "state.txt", 1],
      ["write-started", "state.txt", 1],
      ["write-finished", "state.txt", 1],
      ["retry-scheduled", "state.txt", 1],
      ["write-started", "state.txt", 1],
      ["write-finished", "state.txt", 1],
      ["closed", undefined, undefined],
    ]);
    expect(events[2]?.result).toMatchObject({ ok: false, willRetry: true, retryInMs: 50 });
    expect(events[3]?.result).toBe(events[2]?.result);
    expect(events[5]?.result).toMatchObject({ ok: true, attempt: 2 });
    expect(Object.isFrozen(events[0])).toBe(true);
  });

  it("keeps working when listeners and onResult throw", async () => {
    const { clock, sink, writer, handle } = setup({
      onResult: () => {
        throw new Error("onResult bug");
      },
    });
    const seen: string[] = [];
    writer.subscribe(() => {
      throw new Error("listener bug");
    });
    writer.subscribe((event) => seen.push(event.type));
    const ticket = handle.request("x");
    await clock.advance(100);
    expect(await ticket.settled).toMatchObject({ ok: true });
    expect(sink.written).toHaveLength(1);
    expect(seen).toEqual(["requested", "write-started", "write-finished"]);
    expect(writer.health().listenerErrors).toBe(4);
    const report = await writer.close();
    expect(report.ok).toBe(true);
  });

  it("stops delivering after unsubscribe, and unsubscribing twice is harmless", async () => {
    const { clock, writer, handle } = setup();
    const seen: string[] = [];
    const other: string[] = [];
    const unsubscribe = writer.subscribe((event) => seen.push(event.type));
    writer.subscribe((event) => other.push(event.type));
    handle.request("x");
    unsubscribe();
    unsubscribe();
    await clock.advance(100);
    expect(seen).toEqual(["requested"]);
    expect(other).toEqual(["requested", "write-started", "write-finished"]);
  });

  it("calls onResult once per attempt", async () => {
    const { clock, sink, handle, results } = setup({ retry: { initialMs: 10, jitter: 0 } });
    sink.steps.push(
      { kind: "fail", error: new Error("a") },
      { kind: "fail", error: new Error("b") },
    );
    handle.request("x");
    await clock.advance(100);
    await clock.advance(10);
    await clock.advance(20);
    expect(results.map((r) => [r.ok, r.attempt])).toEqual([
      [false, 1],
      [false, 2],
      [true, 3],
    ]);
  });

  it("rejects a listener that is not a function", () => {
    const { writer } = setup();
    expect(() => writer.subscribe(42 as never)).toThrow(TypeError);
  });
});
