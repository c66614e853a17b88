import { describe, expect, it } from "vitest";
import {
  PERMANENT_ERROR_CODES,
  PersistenceError,
  type PersistenceErrorCode,
  resolveRetryPolicy,
  retryDelayMs,
  type WriteFailed,
} from "../src/index.js";
import { flush } from "./support/fakes.js";
import { setup } from "./support/setup.js";

const ioError = () => new PersistenceError("ERR_IO", "boom", { stage: "write" });

describe("retry with backoff", () => {
  it("waits a backoff longer than Node's 2^31 - 1 ms timer limit in full", async () => {
    const { clock, sink, handle, results } = setup({
      retry: { initialMs: 3e9, maxMs: 3e9, jitter: 0 },
    });
    sink.steps.push({ kind: "fail", error: ioError() });
    handle.request("x");
    await clock.advance(100);
    expect(results.at(-1)).toMatchObject({ ok: false, willRetry: true, retryInMs: 3e9 });
    await clock.advance(2_147_483_647);
    expect(sink.calls).toHaveLength(1);
    await clock.advance(3e9 - 2_147_483_647 - 1);
    expect(sink.calls).toHaveLength(1);
    await clock.advance(1);
    expect(sink.calls).toHaveLength(2);
    expect(results.at(-1)).toMatchObject({ ok: true, attempt: 2 });
    expect(clock.overflows).toBe(0);
  });

  it("retries a transient failure with growing, capped delays", async () => {
    const { clock, sink, handle, results } = setup({
      retry: { initialMs: 100, factor: 3, maxMs: 1000, jitter: 0 },
    });
    for (let i = 0; i < 6; i++) sink.steps.push({ kind: "fail", error: ioError() });
    handle.request("x");
    await clock.advance(100);
    const delays: number[] = [];
    const callTimes: number[] = [clock.now()];
    for (let i = 0; i < 6; i++) {
      const last = results.at(-1) as WriteFailed;
      expect(last.ok).toBe(false);
      expect(last.willRetry).toBe(true);
      delays.push(last.retryInMs ?? -1);
      const before = sink.calls.length;
      await clock.advance((last.retryInMs ?? 0) - 1);
      expect(sink.calls.length).toBe(before);
      await clock.advance(1);
      expect(sink.calls.length).toBe(before + 1);
      callTimes.push(clock.now());
    }
    expect(delays).toEqual([100, 300, 900, 1000, 1000, 1000]);
    expect(results.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(results.at(-1)).toMatchObject({ ok: true, attempt: 7 });
    expect(handle.state.unsaved).toBe(false);
  });

  it("keeps jitter within bounds and the cap a hard bound", () => {
    const policy = resolveRetryPolicy({ initialMs: 100, factor: 2, maxMs: 1000, jitter: 0.2 });
    expect(retryDelayMs(1, policy, () => 0)).toBeCloseTo(80);
    expect(retryDelayMs(1, policy, () => 0.5)).toBeCloseTo(100);
    expect(retryDelayMs(1, policy, () => 0.999999)).toBeCloseTo(120, 3);
    expect(retryDelayMs(3, policy, () => 0)).toBeCloseTo(320);
    expect(retryDelayMs(4, policy, () => 0.999999)).toBeCloseTo(960, 3);
    expect(retryDelayMs(5, policy, () => 0.999999)).toBe(1000);
    expect(retryDelayMs(10, policy, () => 0)).toBeCloseTo(800);
    expect(retryDelayMs(10_000, policy, () => 0.5)).toBe(1000);
    expect(retryDelayMs(1, policy, () => Number.NaN)).toBeCloseTo(80);
    expect(retryDelayMs(1, policy, () => 7)).toBeCloseTo(120);
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(2, policy, Math.random);
      expect(d).toBeGreaterThanOrEqual(160);
      expect(d).toBeLessThanOrEqual(240);
    }
  });

  it("draws the jitter from the injected random source", async () => {
    const draws = [0, 1 - 1e-9];
    const { clock, sink, handle, results } = setup({
      random: () => draws.shift() ?? 0.5,
      retry: { initialMs: 1000, jitter: 0.5, maxMs: 10_000 },
    });
    sink.steps.push({ kind: "fail", error: ioError() }, { kind: "fail", error: ioError() });
    handle.request("x");
    await clock.advance(100);
    expect((results[0] as WriteFailed).retryInMs).toBe(500);
    await clock.advance(500);
    expect((results[1] as WriteFailed).retryInMs).toBeCloseTo(3000, 3);
  });

  it.each(PERMANENT_ERROR_CODES.map((code) => [code]))(
    "does not retry permanent %s and waits for the next request",
    async (code) => {
      const { clock, sink, handle, results } = setup();
      sink.steps.push({
        kind: "fail",
        error: new PersistenceError(code, "no", { stage: "write" }),
      });
      const ticket = handle.request("x");
      await clock.advance(100);
      const failed = await ticket.settled;
      expect(failed).toMatchObject({ ok: false, willRetry: false, retryInMs: undefined });
      if (!failed.ok) expect(failed.error.code).toBe(code);
      await clock.advance(600_000);
      expect(sink.calls).toHaveLength(1);
      expect(handle.state.unsaved).toBe(true);
      const next = handle.request("y");
      await clock.advance(100);
      expect(await next.settled).toMatchObject({ ok: true, attempt: 1, generation: 2 });
      expect(results).toHaveLength(2);
    },
  );

  const transient: PersistenceErrorCode[] = [
    "ERR_NO_SPACE",
    "ERR_PERMISSION",
    "ERR_BUSY",
    "ERR_IO",
    "ERR_LOCKED",
    "ERR_NOT_FOUND",
    "ERR_CORRUPT",
    "ERR_WORKER",
  ];
  it.each(transient.map((code) => [code]))("retries transient %s by itself", async (code) => {
    const { clock, sink, handle } = setup();
    sink.steps.push({
      kind: "fail",
      error: new PersistenceError(code, "again", { stage: "write" }),
    });
    const ticket = handle.request("x");
    await clock.advance(100);
    expect(await ticket.settled).toMatchObject({ ok: false, willRetry: true, retryInMs: 100 });
    await clock.advance(100);
    expect(sink.calls).toHaveLength(2);
    expect(handle.state.unsaved).toBe(false);
  });

  it("treats an unknown future code as transient", async () => {
    const { clock, sink, handle } = setup();
    const error = new PersistenceError("ERR_SOMETHING_NEW" as PersistenceErrorCode, "new");
    sink.steps.push({ kind: "fail", error });
    const ticket = handle.request("x");
    await clock.advance(100);
    expect(await ticket.settled).toMatchObject({ ok: false, willRetry: true });
  });

  it("retries the newest state, counting only requests no earlier result settled", async () => {
    const { clock, sink, handle, model } = setup();
    sink.steps.push({ kind: "fail", error: ioError() }, { kind: "fail", error: ioError() });
    model.value = "one";
    handle.request("a");
    handle.request("b");
    await clock.advance(100);
    model.value = "two";
    const late = handle.request("c");
    await clock.advance(100);
    expect(await late.settled).toMatchObject({
      ok: false,
      attempt: 2,
      requests: 1,
      generation: 3,
      reasons: ["a", "b", "c"],
    });
    await clock.advance(200);
    expect(sink.written.map((w) => w.text)).toEqual(["two"]);
  });

  it("reports requests 0 for a retry that covers no new request", async () => {
    const { clock, sink, handle, results } = setup();
    sink.steps.push({ kind: "fail", error: ioError() });
    handle.request("a");
    await clock.advance(100);
    await clock.advance(100);
    expect(results.map((r) => [r.ok, r.requests, r.attempt])).toEqual([
      [false, 1, 1],
      [true, 0, 2],
    ]);
  });

  it("does not let debounced requests shorten the backoff", async () => {
    const { clock, sink, handle } = setup({ retry: { initialMs: 5000, jitter: 0 } });
    sink.steps.push({ kind: "fail", error: ioError() });
    handle.request("a");
    await clock.advance(100);
    for (let i = 0; i < 40; i++) {
      handle.request("b");
      await clock.advance(100);
    }
    expect(sink.calls).toHaveLength(1);
    await clock.advance(1000);
    expect(sink.calls).toHaveLength(2);
  });

  it("retries at once on an immediate request during a backoff", async () => {
    const { clock, sink, handle } = setup({ retry: { initialMs: 10_000, jitter: 0 } });
    sink.steps.push({ kind: "fail", error: ioError() });
    handle.request("a");
    await clock.advance(100);
    expect(sink.calls).toHaveLength(1);
    const saved = handle.saveNow("user");
    await flush();
    expect(sink.calls).toHaveLength(2);
    expect(await saved).toMatchObject({ ok: true, attempt: 2 });
    await clock.advance(20_000);
    expect(sink.calls).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it("retries at once when an immediate request arrived during the failing write", async () => {
    const { clock, sink, handle, results } = setup({ retry: { initialMs: 10_000, jitter: 0 } });
    let fail!: (e: unknown) => void;
    const gate = new Promise<void>((_, reject) => {
      fail = reject;
    });
    sink.steps.push({ kind: "gate", gate });
    handle.request("a");
    await clock.advance(100);
    const saved = handle.saveNow("user");
    fail(ioError());
    await flush();
    expect(sink.calls).toHaveLength(2);
    expect(results[0]).toMatchObject({ ok: false, willRetry: true, retryInMs: 0 });
    expect(await saved).toMatchObject({ ok: true, attempt: 2 });
  });

  it("starts over at attempt 1 and the initial delay after a success", async () => {
    const { clock, sink, handle, results } = setup({ retry: { initialMs: 100, jitter: 0 } });
    sink.steps.push({ kind: "fail", error: ioError() }, { kind: "fail", error: ioError() });
    handle.request("a");
    await clock.advance(100);
    await clock.advance(100);
    await clock.advance(200);
    expect(results.map((r) => r.attempt)).toEqual([1, 2, 3]);
    sink.steps.push({ kind: "fail", error: ioError() });
    handle.request("b");
    await clock.advance(100);
    expect(results.at(-1)).toMatchObject({ ok: false, attempt: 1, retryInMs: 100 });
  });
});
