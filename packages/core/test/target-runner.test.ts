import { describe, expect, it } from "vitest";
import {
  createInlineExecutor,
  createPersistenceWriter,
  isTargetRunner,
  PersistenceError,
  runWriteAttempt,
  type TargetRunInput,
  type TargetRunner,
  type TargetRunOutcome,
  type WriteFailed,
  type WriteResult,
} from "../src/index.js";
import { deferred, FakeClock, FakeSink, textCodec } from "./support/fakes.js";

/**
 * A runner that is not a worker: it keeps its own copy of the state (a string), captures it when a
 * run starts, and stores it in a map after the step the test releases. Everything it does goes
 * through the public port only.
 */
class MapRunner implements TargetRunner {
  state = "";
  readonly stored = new Map<string, { text: string; generation: number }>();
  readonly inputs: TargetRunInput[] = [];
  readonly closes: number[] = [];
  /** What the next runs do, in order: "ok", a failure to report, "throw", or a gate to wait on. */
  readonly steps: Array<
    | "ok"
    | "throw"
    | { fail: PersistenceError }
    | { gate: Promise<void> }
    | { outcome: TargetRunOutcome }
  > = [];

  async run(input: TargetRunInput): Promise<TargetRunOutcome> {
    this.inputs.push(input);
    const text = this.state; // the snapshot moment: when run() is called
    const step = this.steps.shift() ?? "ok";
    if (step === "throw") throw Object.assign(new Error("disk gone"), { code: "EIO" });
    if (typeof step === "object" && "fail" in step) return { ok: false, error: step.fail };
    if (typeof step === "object" && "outcome" in step) return step.outcome;
    if (typeof step === "object" && "gate" in step) {
      await Promise.race([
        step.gate,
        new Promise<void>((_, reject) => {
          input.signal.addEventListener("abort", () => reject(input.signal.reason), { once: true });
        }),
      ]);
    }
    this.stored.set(input.target, { text, generation: input.generation });
    return { ok: true, bytes: text.length, durable: true };
  }

  async close(options: { timeoutMs: number }): Promise<void> {
    this.closes.push(options.timeoutMs);
  }
}

function failure(result: WriteResult): WriteFailed {
  if (result.ok) throw new Error("expected a failed write");
  return result;
}

function writerWithRunner(runner: TargetRunner) {
  const clock = new FakeClock();
  const results: WriteResult[] = [];
  // No sink: every target of this writer has a runner.
  const writer = createPersistenceWriter({
    clock,
    random: () => 0.5,
    retry: { initialMs: 100, jitter: 0 },
    onResult: (result) => results.push(result),
  });
  const handle = writer.register("state.txt", { runner, debounceMs: 100 });
  return { clock, results, writer, handle };
}

describe("the target-runner port", () => {
  it("drives a custom runner with no sink: coalescing, generations, results and health", async () => {
    const runner = new MapRunner();
    const { clock, writer, handle, results } = writerWithRunner(runner);
    expect(handle.runner).toBe(runner);
    expect("codec" in handle).toBe(false);
    runner.state = "one";
    handle.request("a");
    runner.state = "two";
    const ticket = handle.request("b");
    await clock.advance(100);
    const result = await ticket.settled;
    expect(result).toMatchObject({ ok: true, generation: 2, requests: 2, bytes: 3, durable: true });
    expect(result.reasons).toEqual(["a", "b"]);
    expect(runner.stored.get("state.txt")).toEqual({ text: "two", generation: 2 });
    expect(runner.inputs).toHaveLength(1);
    expect(runner.inputs[0]).toMatchObject({ target: "state.txt", generation: 2, attempt: 1 });
    // Timings the runner left out are filled in by the writer.
    expect(result.timings).toEqual(
      expect.objectContaining({ snapshotMs: 0, encodeMs: 0, totalMs: expect.any(Number) }),
    );
    expect(results).toHaveLength(1);
    expect(writer.health().targets["state.txt"]).toMatchObject({
      writes: 1,
      successes: 1,
      coalesced: 1,
      bytes: 3,
      unsaved: false,
    });
    const report = await writer.close();
    expect(report.ok).toBe(true);
    expect(runner.closes).toHaveLength(1);
  });

  it("retries a transient failure the runner reports and contains a throwing runner", async () => {
    const runner = new MapRunner();
    const { clock, writer, handle, results } = writerWithRunner(runner);
    runner.steps.push({ fail: new PersistenceError("ERR_BUSY", "busy", { stage: "lock" }) });
    runner.steps.push("throw");
    runner.state = "kept";
    const first = failure(await handle.saveNow("save"));
    expect(first).toMatchObject({ stage: "lock", willRetry: true, retryInMs: 100 });
    expect(first.error.code).toBe("ERR_BUSY");
    await clock.advance(100);
    const second = failure(results[1] as WriteResult);
    expect(second).toMatchObject({ stage: "write", attempt: 2, willRetry: true });
    expect(second.error.code).toBe("ERR_IO");
    expect((second.error.cause as Error).message).toBe("disk gone");
    await clock.advance(200);
    expect(results[2]).toMatchObject({ ok: true, attempt: 3, generation: 1 });
    expect(runner.stored.get("state.txt")?.text).toBe("kept");
    await writer.close();
  });

  it("does not retry a permanent failure and reports a malformed outcome as ERR_IO", async () => {
    const runner = new MapRunner();
    const { writer, handle } = writerWithRunner(runner);
    runner.steps.push({ fail: new PersistenceError("ERR_ENCODE", "bad", { stage: "encode" }) });
    const permanent = failure(await handle.saveNow("save"));
    expect(permanent).toMatchObject({ stage: "encode", willRetry: false });
    runner.steps.push({ outcome: undefined as never });
    const malformed = failure(await handle.saveNow("again"));
    expect(malformed.error.code).toBe("ERR_IO");
    expect(malformed.error.message).toContain("without an outcome");
    await writer.close();
  });

  it("aborts a running attempt at the close() deadline and hands the runner what is left", async () => {
    const runner = new MapRunner();
    const { clock, writer, handle } = writerWithRunner(runner);
    const gate = deferred();
    runner.steps.push({ gate: gate.promise });
    const ticket = handle.request("slow", { urgency: "immediate" });
    await clock.advance(0);
    expect(handle.state.inFlight).toBe(true);
    const closing = writer.close({ timeoutMs: 50 });
    await clock.advance(50);
    const report = await closing;
    expect(report.targets[0]).toMatchObject({ outcome: "timed-out" });
    expect(runner.inputs[0]?.signal.aborted).toBe(true);
    expect(failure(await ticket.settled).error.code).toBe("ERR_TIMEOUT");
    expect(runner.closes).toEqual([0]);
  });

  it("lets attach() refuse a target, and checks the runner's shape", () => {
    const clock = new FakeClock();
    const writer = createPersistenceWriter({ clock });
    const single: TargetRunner = {
      run: async () => ({ ok: true, bytes: 0, durable: false }),
      attach(target) {
        if (target !== "only") throw new TypeError(`serves "only", not ${target}`);
      },
    };
    expect(() => writer.register("other", { runner: single })).toThrow(TypeError);
    expect(writer.health().targets).toEqual({});
    expect(writer.register("only", { runner: single }).target).toBe("only");
    expect(() => writer.register("x", { runner: { run: 1 } as never })).toThrow(TypeError);
    expect(() =>
      writer.register("y", {
        runner: single,
        snapshot: () => "",
        codec: textCodec(),
      } as never),
    ).toThrow(TypeError);
    expect(isTargetRunner(single)).toBe(true);
    expect(isTargetRunner({ run() {}, close: 1 })).toBe(false);
  });

  it("mixes runner targets with codec targets, each writing where it belongs", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    const runner = new MapRunner();
    runner.state = "runner";
    const viaRunner = writer.register("r.txt", { runner, debounceMs: 0 });
    const viaSink = writer.register("s.txt", { snapshot: () => "sink", codec: textCodec() });
    expect((await viaRunner.saveNow("x")).ok).toBe(true);
    expect((await viaSink.saveNow("y")).ok).toBe(true);
    expect(sink.written.map((w) => [w.target, w.text])).toEqual([["s.txt", "sink"]]);
    expect(runner.stored.get("r.txt")?.text).toBe("runner");
    await writer.close();
  });

  it("lets a runner reuse runWriteAttempt for the standard snapshot, encode and sink steps", async () => {
    const sink = new FakeSink();
    let value = "v1";
    const runner: TargetRunner = {
      run: ({ target, generation, signal }) =>
        runWriteAttempt({
          target,
          generation,
          snapshot: () => value,
          codec: textCodec(),
          executor: createInlineExecutor(),
          sink,
          signal,
        }),
    };
    const writer = createPersistenceWriter({ clock: new FakeClock() });
    const handle = writer.register("t.txt", { runner, debounceMs: 0 });
    value = "v2";
    const result = await handle.saveNow("save");
    expect(result).toMatchObject({ ok: true, generation: 1, bytes: 2 });
    expect(sink.written).toEqual([expect.objectContaining({ target: "t.txt", text: "v2" })]);
    await writer.close();
  });
});
