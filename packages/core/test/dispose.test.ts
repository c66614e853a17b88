import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  isPersistenceError,
  PersistenceError,
  type ShutdownReport,
} from "../src/index.js";
import { FakeClock, FakeSink, textCodec } from "./support/fakes.js";

function writerWithFailingSink() {
  const clock = new FakeClock();
  const sink = new FakeSink();
  const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
  const handle = writer.register("a", { snapshot: () => "x", codec: textCodec() });
  const stale = new PersistenceError("ERR_STALE", "fenced off", { stage: "write" });
  sink.steps.push({ kind: "fail", error: stale }, { kind: "fail", error: stale });
  return { clock, sink, writer, handle, stale };
}

describe("Symbol.asyncDispose", () => {
  it("throws a PersistenceError carrying the report when close() did not save everything", async () => {
    const { clock, writer, handle, stale } = writerWithFailingSink();
    handle.request("1");
    await clock.advance(1000);
    let thrown: unknown;
    try {
      await writer[Symbol.asyncDispose]();
    } catch (error) {
      thrown = error;
    }
    expect(isPersistenceError(thrown, "ERR_STALE")).toBe(true);
    const error = thrown as PersistenceError;
    expect(error.stage).toBe("close");
    expect(error.cause).toBe(stale);
    expect(error.message).toMatch(/"a".*failed/);
    const report = error.details?.report as ShutdownReport;
    expect(report.ok).toBe(false);
    expect(report.targets[0]).toMatchObject({ target: "a", outcome: "failed" });
    expect(report).toBe(await writer.close());
  });

  it("surfaces the failure out of an `await using` block", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    sink.steps.push({ kind: "hang" });
    const run = async () => {
      await using writer = createPersistenceWriter({ sink, clock, executor: "inline" });
      writer.register("a", { snapshot: () => "x", codec: textCodec() }).request("1");
    };
    const outcome = run().then(
      () => undefined,
      (error: unknown) => error,
    );
    // The default close timeout is 10 s on the writer's clock.
    await clock.advance(10_000);
    const error = await outcome;
    expect(isPersistenceError(error, "ERR_TIMEOUT")).toBe(true);
    expect((error as PersistenceError).details?.report).toMatchObject({
      ok: false,
      targets: [{ target: "a", outcome: "timed-out" }],
    });
  });

  it("resolves quietly when every target was saved", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    writer.register("a", { snapshot: () => "x", codec: textCodec() }).request("1");
    await expect(writer[Symbol.asyncDispose]()).resolves.toBeUndefined();
    expect(sink.written).toHaveLength(1);
  });
});
