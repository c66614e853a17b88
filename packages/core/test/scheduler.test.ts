import { describe, expect, it, vi } from "vitest";
import { createPersistenceWriter } from "../src/index.js";
import { deferred, FakeClock, FakeSink, flush, textCodec } from "./support/fakes.js";
import { setup } from "./support/setup.js";

describe("coalescing", () => {
  it("coalesces a burst into one write of the newest state", async () => {
    const { clock, sink, handle, model } = setup();
    const tickets = [];
    for (let i = 1; i <= 100; i++) {
      model.value = `v${i}`;
      tickets.push(handle.request(`r${i % 3}`));
    }
    expect(tickets.map((t) => t.generation)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    await clock.advance(100);
    expect(sink.calls).toHaveLength(1);
    expect(sink.written[0]?.text).toBe("v100");
    expect(sink.written[0]?.generation).toBe(100);
    const results = await Promise.all(tickets.map((t) => t.settled));
    for (const result of results) expect(result).toBe(results[0]);
    expect(results[0]).toMatchObject({ ok: true, generation: 100, requests: 100, attempt: 1 });
    // i % 3 for i = 1..100 ends with ..., 2 (98), 0 (99), 1 (100): most recent distinct, oldest first.
    expect(results[0]?.reasons).toEqual(["r2", "r0", "r1"]);
  });

  it("keeps the 16 most recent distinct reasons, oldest first", async () => {
    const { clock, handle } = setup();
    let ticket = handle.request("a");
    for (let i = 0; i < 20; i++) ticket = handle.request(`reason-${i}`);
    ticket = handle.request("reason-5");
    await clock.advance(100);
    const result = await ticket.settled;
    const expected = [];
    for (let i = 4; i < 20; i++) if (i !== 5) expected.push(`reason-${i}`);
    expected.push("reason-5");
    expect(result.reasons).toEqual(expected);
  });

  it("makes exactly one more write for requests that arrive during a write", async () => {
    const { clock, sink, handle, model } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    model.value = "first";
    const first = handle.request("a");
    await clock.advance(100);
    expect(sink.calls).toHaveLength(1);
    expect(handle.state).toEqual({
      pendingGeneration: 1,
      durableGeneration: 0,
      inFlight: true,
      unsaved: true,
    });
    const during = [];
    for (let i = 0; i < 5; i++) {
      model.value = `during-${i}`;
      during.push(handle.request("b"));
    }
    await clock.advance(5000);
    expect(sink.calls).toHaveLength(1);
    gate.resolve();
    await flush();
    expect((await first.settled).generation).toBe(1);
    await clock.advance(5000);
    expect(sink.calls).toHaveLength(2);
    expect(sink.written.map((w) => w.text)).toEqual(["first", "during-4"]);
    const second = await during[0]?.settled;
    expect(second).toMatchObject({ ok: true, generation: 6, requests: 5 });
    expect(handle.state.unsaved).toBe(false);
  });

  it("never loses the final save, also when it came during the last write", async () => {
    const { clock, sink, handle, model } = setup();
    const gates = [deferred(), deferred(), deferred()];
    for (const gate of gates) sink.steps.push({ kind: "gate", gate: gate.promise });
    for (let i = 0; i < 30; i++) {
      model.value = `v${i}`;
      handle.request("tick");
      await clock.advance(40);
      gates[Math.floor(i / 10)]?.resolve();
    }
    for (const gate of gates) gate.resolve();
    await clock.advance(2000);
    expect(sink.files.get("state.txt")).toBeDefined();
    expect(sink.written.at(-1)?.text).toBe("v29");
    expect(handle.state).toMatchObject({
      pendingGeneration: 30,
      durableGeneration: 30,
      unsaved: false,
    });
    expect(sink.active).toBe(0);
  });

  it("runs at most one write per target at a time", async () => {
    const { clock, sink, handle } = setup();
    let maxActive = 0;
    const write = sink.write.bind(sink);
    sink.write = async (...args) => {
      maxActive = Math.max(maxActive, sink.active + 1);
      return write(...args);
    };
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    handle.request("a");
    await clock.advance(100);
    handle.request("b", { urgency: "immediate" });
    handle.request("c", { urgency: "immediate" });
    await clock.advance(1000);
    expect(sink.calls).toHaveLength(1);
    gate.resolve();
    await clock.advance(10);
    expect(sink.calls).toHaveLength(2);
    expect(maxActive).toBe(1);
  });

  it("writes different targets independently", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    const a = writer.register("a", {
      snapshot: () => "A",
      codec: textCodec(),
      debounceMs: 10,
      maxDelayMs: 10,
    });
    const b = writer.register("b", {
      snapshot: () => "B",
      codec: textCodec(),
      debounceMs: 50,
      maxDelayMs: 50,
    });
    a.request("x");
    b.request("y");
    await clock.advance(10);
    expect(sink.calls.map((c) => c.target)).toEqual(["a"]);
    await clock.advance(40);
    expect(sink.calls.map((c) => c.target)).toEqual(["a", "b"]);
  });

  it("covers a request made from inside snapshot() with the next write", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    let calls = 0;
    let inner: ReturnType<typeof handle.request> | undefined;
    const handle = writer.register("t", {
      snapshot: () => {
        calls++;
        if (calls === 1) inner = handle.request("from-snapshot");
        return `s${calls}`;
      },
      codec: textCodec(),
      debounceMs: 10,
      maxDelayMs: 10,
    });
    const outer = handle.request("outer");
    await clock.advance(10);
    expect((await outer.settled).generation).toBe(1);
    await clock.advance(10);
    expect(inner?.generation).toBe(2);
    expect(await inner?.settled).toMatchObject({ ok: true, generation: 2 });
    expect(sink.written.map((w) => w.text)).toEqual(["s1", "s2"]);
  });
});

describe("debounce and max delay", () => {
  it("fires after debounceMs without new requests, not before", async () => {
    const { clock, sink, handle } = setup();
    handle.request("a");
    await clock.advance(60);
    handle.request("b");
    await clock.advance(99);
    expect(sink.calls).toHaveLength(0);
    await clock.advance(1);
    expect(sink.calls).toHaveLength(1);
    expect(clock.now()).toBe(160);
  });

  it("saves by maxDelayMs under a steady stream of requests every debounceMs / 2", async () => {
    const { clock, sink, handle, model } = setup();
    const writesAt: number[] = [];
    const write = sink.write.bind(sink);
    sink.write = (...args) => {
      writesAt.push(clock.now());
      return write(...args);
    };
    for (let t = 0; t < 2500; t += 50) {
      model.value = `at-${t}`;
      handle.request("stream");
      await clock.advance(50);
    }
    expect(writesAt).toEqual([1000, 2000]);
    expect(sink.written[0]?.text).toBe("at-950");
  });

  it("measures max delay from the oldest request no write covers yet", async () => {
    const { clock, sink, handle } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    handle.request("a");
    await clock.advance(100);
    expect(sink.calls).toHaveLength(1);
    handle.request("during");
    await clock.advance(1500);
    gate.resolve();
    await flush();
    expect(sink.calls).toHaveLength(2);
    expect(clock.now()).toBe(1600);
  });

  it("lets maxDelayMs be Infinity: a pure debounce", async () => {
    const { clock, sink, handle } = setup(
      {},
      { debounceMs: 100, maxDelayMs: Number.POSITIVE_INFINITY },
    );
    for (let i = 0; i < 100; i++) {
      handle.request("x");
      await clock.advance(50);
    }
    expect(sink.calls).toHaveLength(0);
    await clock.advance(50);
    expect(sink.calls).toHaveLength(1);
  });

  it("survives intervals longer than Node's timer limit by re-arming", async () => {
    const { clock, sink, handle } = setup({}, { debounceMs: 3e9, maxDelayMs: 3e9 });
    handle.request("x");
    await clock.advance(2_147_483_647);
    expect(sink.calls).toHaveLength(0);
    await clock.advance(3e9 - 2_147_483_647 - 1);
    expect(sink.calls).toHaveLength(0);
    await clock.advance(1);
    expect(sink.calls).toHaveLength(1);
    expect(Math.max(...clock.delays)).toBeLessThanOrEqual(2_147_483_647);
  });

  it("postpones a save by at most one more debounce when the clock steps backwards", async () => {
    const { clock, sink, handle } = setup();
    handle.request("x");
    clock.skew = -3_600_000;
    await clock.advance(199);
    expect(sink.calls).toHaveLength(0);
    await clock.advance(1);
    expect(sink.calls).toHaveLength(1);
  });

  it("writes at once with debounceMs 0", async () => {
    const { clock, sink, handle } = setup({}, { debounceMs: 0, maxDelayMs: 0 });
    handle.request("x");
    await clock.advance(0);
    expect(sink.calls).toHaveLength(1);
  });
});

describe("immediate urgency", () => {
  it("skips the debounce", async () => {
    const { sink, handle, clock } = setup();
    handle.request("a");
    const ticket = handle.request("b", { urgency: "immediate" });
    await flush();
    expect(sink.calls).toHaveLength(1);
    expect(await ticket.settled).toMatchObject({ ok: true, generation: 2, requests: 2 });
    await clock.advance(5000);
    expect(sink.calls).toHaveLength(1);
  });

  it("waits for the write in flight, then writes the newest state at once", async () => {
    const { clock, sink, handle, model } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    handle.request("a");
    await clock.advance(100);
    model.value = "newest";
    const saved = handle.saveNow("user");
    await flush();
    expect(sink.calls).toHaveLength(1);
    gate.resolve();
    await flush();
    expect(sink.calls).toHaveLength(2);
    expect(clock.now()).toBe(100);
    expect(await saved).toMatchObject({ ok: true, generation: 2 });
    expect(sink.written.at(-1)?.text).toBe("newest");
  });

  it("does not run snapshot() inside request()", () => {
    const { handle, model } = setup();
    handle.request("x", { urgency: "immediate" });
    expect(model.snapshots).toBe(0);
  });

  it("rejects an unknown urgency with a TypeError", () => {
    const { handle } = setup();
    expect(() => handle.request("x", { urgency: "soon" as never })).toThrow(TypeError);
  });

  it("refuses request options that are no object or hold an unknown key, as register() does", () => {
    const { handle, model } = setup();
    expect(() => handle.request("x", { urgncy: "immediate" } as never)).toThrow(
      new TypeError('request(): unknown option "urgncy"; known: urgency'),
    );
    for (const options of [null, "immediate", 1, true]) {
      expect(() => handle.request("x", options as never)).toThrow(
        /^request\(\): options must be an object, got /,
      );
    }
    expect(handle.state.pendingGeneration).toBe(0);
    expect(model.snapshots).toBe(0);
    expect(() => handle.request("x", {})).not.toThrow();
    expect(() => handle.request("x", { urgency: undefined })).not.toThrow();
  });
});

describe("tickets", () => {
  it("hands a ticket only outcomes of writes that cover it", async () => {
    const { clock, sink, handle } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    const early = [handle.request("1"), handle.request("2"), handle.request("3")];
    await clock.advance(100);
    const late = handle.request("4");
    sink.steps.push({
      kind: "fail",
      error: Object.assign(new Error("disk full"), { code: "ENOSPC" }),
    });
    gate.resolve();
    for (const ticket of early) {
      expect(await ticket.settled).toMatchObject({ ok: true, generation: 3 });
    }
    await clock.advance(100);
    const failed = await late.settled;
    expect(failed).toMatchObject({ ok: false, generation: 4, willRetry: true });
    if (!failed.ok) expect(failed.error.code).toBe("ERR_NO_SPACE");
  });

  it("does not give a request that came during a failing write that write's error", async () => {
    const { clock, sink, handle, model } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise, error: new Error("EIO") });
    const first = handle.request("1");
    await clock.advance(100);
    model.value = "second";
    const second = handle.request("2");
    let secondSettled = false;
    void second.settled.then(() => {
      secondSettled = true;
    });
    gate.resolve();
    expect(await first.settled).toMatchObject({ ok: false, generation: 1 });
    await flush();
    expect(secondSettled).toBe(false);
    await clock.advance(100);
    expect(await second.settled).toMatchObject({
      ok: true,
      generation: 2,
      attempt: 2,
      requests: 1,
    });
  });

  it("passes the snapshot's generation and an AbortSignal to the sink", async () => {
    const { clock, sink, handle } = setup();
    handle.request("1");
    handle.request("2");
    await clock.advance(100);
    expect(sink.calls[0]?.generation).toBe(2);
    expect(sink.calls[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(sink.calls[0]?.signal?.aborted).toBe(false);
  });

  it("reports timings and bytes of a success", async () => {
    const { clock, handle, model } = setup();
    model.value = "12345";
    const ticket = handle.request("x");
    await clock.advance(100);
    const result = await ticket.settled;
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.bytes).toBe(5);
    expect(result.durable).toBe(false);
    expect(result.newerPending).toBe(false);
    for (const key of ["snapshotMs", "encodeMs", "writeMs", "totalMs"] as const) {
      expect(result.timings[key]).toBeGreaterThanOrEqual(0);
    }
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.writeMs);
    expect(Object.isFrozen(result)).toBe(true);
  });

  it("sets newerPending when requests arrived during the write", async () => {
    const { clock, sink, handle } = setup();
    const gate = deferred();
    sink.steps.push({ kind: "gate", gate: gate.promise });
    const first = handle.request("1");
    await clock.advance(100);
    handle.request("2");
    gate.resolve();
    expect(await first.settled).toMatchObject({ newerPending: true });
  });
});

describe("default clock", () => {
  it("uses the global timers and performance, so vitest fake timers drive it", async () => {
    vi.useFakeTimers();
    try {
      const sink = new FakeSink();
      const writer = createPersistenceWriter({ sink });
      const handle = writer.register("t", {
        snapshot: () => "x",
        codec: textCodec(),
        debounceMs: 500,
      });
      const ticket = handle.request("r");
      await vi.advanceTimersByTimeAsync(499);
      expect(sink.calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(await ticket.settled).toMatchObject({ ok: true });
    } finally {
      vi.useRealTimers();
    }
  });
});
