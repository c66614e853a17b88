import { describe, expect, it } from "vitest";
import { createPersistenceWriter, type SinkWriteResult, type WriteFailed } from "../src/index.js";
import { deferred, FakeClock, FakeSink, textCodec } from "./support/fakes.js";

/** A writer on a manual clock with one target `a` whose first request writes 100 ms later. */
function oneTarget() {
  const clock = new FakeClock();
  const sink = new FakeSink();
  const writer = createPersistenceWriter({ sink, clock, executor: "inline", random: () => 0.5 });
  const a = writer.register("a", { snapshot: () => "a1", codec: textCodec(), debounceMs: 100 });
  return { clock, sink, writer, a };
}

describe("close({ timeoutMs: 0 })", () => {
  it("reports a write whose sink already returned as written, not timed out", async () => {
    const { clock, sink, writer, a } = oneTarget();
    const returned = deferred<SinkWriteResult>();
    let signal: AbortSignal | undefined;
    sink.write = async (_target, chunks, options) => {
      signal = options?.signal;
      for await (const _chunk of chunks);
      return returned.promise;
    };
    const ticket = a.request("1");
    await clock.advance(100);
    expect(signal).toBeDefined();
    // The sink is done; only the writer's continuations (microtasks) have yet to run.
    returned.resolve({ bytes: 2, durable: false });
    const report = await writer.close({ timeoutMs: 0 });
    expect(report.targets[0]).toMatchObject({ target: "a", outcome: "written", generation: 1 });
    expect(report.ok).toBe(true);
    expect(await ticket.settled).toMatchObject({ ok: true, generation: 1 });
    expect(signal?.aborted).toBe(false);
  });

  it("aborts a write still running on the next turn, the clock never moving", async () => {
    const { clock, sink, writer, a } = oneTarget();
    sink.steps.push({ kind: "hang" });
    const ticket = a.request("1");
    await clock.advance(100);
    const signal = sink.calls[0]?.signal;
    const report = await writer.close({ timeoutMs: 0 });
    expect(report.targets[0]?.outcome).toBe("timed-out");
    expect(signal?.aborted).toBe(true);
    expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
  });

  it("starts no write for a target still waiting for its debounce", async () => {
    const { sink, writer, a } = oneTarget();
    const ticket = a.request("1");
    const report = await writer.close({ timeoutMs: 0 });
    expect(report.targets[0]?.outcome).toBe("timed-out");
    expect(sink.calls).toHaveLength(0);
    expect(((await ticket.settled) as WriteFailed).error.code).toBe("ERR_TIMEOUT");
  });
});
