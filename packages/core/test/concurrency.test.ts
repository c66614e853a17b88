import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  DEFAULT_WRITE_CONCURRENCY,
  PersistenceError,
  type Sink,
  type SinkWriteOptions,
  type WriteFailed,
} from "../src/index.js";
import { FakeClock, textCodec } from "./support/fakes.js";

/** A sink whose every write takes `writeMs` on the fake clock, counting concurrent writes. */
function slowSink(clock: FakeClock, writeMs: number) {
  const stats = { active: 0, maxActive: 0, started: 0, written: new Map<string, string>() };
  const decoder = new TextDecoder();
  const sink: Sink = {
    capabilities: {
      atomicReplace: true,
      durable: false,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    },
    async write(target, chunks, options?: SinkWriteOptions) {
      stats.started++;
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      try {
        await new Promise<void>((resolve, reject) => {
          const handle = clock.setTimeout(resolve, writeMs);
          options?.signal?.addEventListener("abort", () => {
            clock.clearTimeout(handle);
            reject(new PersistenceError("ERR_ABORTED", "aborted", { stage: "write", target }));
          });
        });
        let text = "";
        for await (const chunk of chunks) text += decoder.decode(chunk);
        stats.written.set(target, text);
        return { bytes: text.length, durable: false };
      } finally {
        stats.active--;
      }
    },
    async read() {
      throw new PersistenceError("ERR_NOT_FOUND", "none");
    },
  };
  return { sink, stats };
}

describe("writer concurrency", () => {
  it(`runs at most ${DEFAULT_WRITE_CONCURRENCY} writes at once by default`, async () => {
    const clock = new FakeClock();
    const { sink, stats } = slowSink(clock, 10);
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    const tickets = [];
    for (let i = 0; i < 50; i++) {
      const handle = writer.register(`t${i}`, { snapshot: () => `v${i}`, codec: textCodec() });
      tickets.push(handle.request("r", { urgency: "immediate" }));
    }
    await clock.advance(1000);
    expect(stats.maxActive).toBe(DEFAULT_WRITE_CONCURRENCY);
    expect(stats.written.size).toBe(50);
    for (const ticket of tickets) expect(await ticket.settled).toMatchObject({ ok: true });
  });

  it("honours a custom bound, and a queued write snapshots the newest state when its turn comes", async () => {
    const clock = new FakeClock();
    const { sink, stats } = slowSink(clock, 10);
    const writer = createPersistenceWriter({ sink, clock, executor: "inline", concurrency: 2 });
    const values = new Map<string, string>();
    const handles = [];
    for (let i = 0; i < 6; i++) {
      const target = `t${i}`;
      values.set(target, "old");
      handles.push(
        writer.register(target, { snapshot: () => values.get(target), codec: textCodec() }),
      );
    }
    const first = handles.map((handle) => handle.request("1", { urgency: "immediate" }));
    await clock.advance(0);
    expect(stats.active).toBe(2);
    // t5 is still queued: a change and a second request now ride on its first write.
    values.set("t5", "new");
    const second = handles[5]?.request("2", { urgency: "immediate" });
    await clock.advance(100);
    expect(stats.maxActive).toBe(2);
    expect(stats.started).toBe(6);
    expect(stats.written.get("t5")).toBe("new");
    expect(await first[5]?.settled).toMatchObject({ ok: true, generation: 2, requests: 2 });
    expect(await second?.settled).toMatchObject({ ok: true, generation: 2 });
  });

  it("close() writes as many targets as the deadline allows, bounded, and times out the rest on time", async () => {
    const clock = new FakeClock();
    const { sink, stats } = slowSink(clock, 10);
    const writer = createPersistenceWriter({ sink, clock, executor: "inline", concurrency: 4 });
    const tickets = [];
    for (let i = 0; i < 1000; i++) {
      const handle = writer.register(`t${i}`, { snapshot: () => `v${i}`, codec: textCodec() });
      tickets.push(handle.request("dirty"));
    }
    const stackTraceLimit = Error.stackTraceLimit;
    // Not a multiple of 10 ms: no write ends exactly at the deadline.
    const closing = writer.close({ timeoutMs: 1005 });
    await clock.advance(1005);
    const report = await closing;
    expect(report.durationMs).toBe(1005);
    // close() builds the timed-out errors without stack capture, and puts the limit back.
    expect(Error.stackTraceLimit).toBe(stackTraceLimit);
    expect(stats.maxActive).toBe(4);
    const written = report.targets.filter((t) => t.outcome === "written");
    const timedOut = report.targets.filter((t) => t.outcome === "timed-out");
    // 1000 ms / 10 ms per write, 4 at a time.
    expect(written.length).toBe(400);
    expect(timedOut.length).toBe(600);
    expect(written.length + timedOut.length).toBe(1000);
    for (const line of written) expect(stats.written.has(line.target)).toBe(true);
    for (const line of timedOut) expect(line.error?.code).toBe("ERR_TIMEOUT");
    // Nothing starts after the deadline.
    const started = stats.started;
    await clock.advance(1000);
    expect(stats.started).toBe(started);
    for (const [i, ticket] of tickets.entries()) {
      const result = await ticket.settled;
      if (stats.written.has(`t${i}`)) expect(result.ok).toBe(true);
      else expect((result as WriteFailed).error.code).toBe("ERR_TIMEOUT");
    }
  });

  it("reports every target when the deadline passes before close() reached it", async () => {
    const clock = new FakeClock();
    const { sink, stats } = slowSink(clock, 10);
    const writer = createPersistenceWriter({ sink, clock, executor: "inline", concurrency: 1 });
    const handles = [];
    for (let i = 0; i < 100; i++) {
      handles.push(writer.register(`t${i}`, { snapshot: () => `v${i}`, codec: textCodec() }));
    }
    // t99 is queued for the single slot before close() begins, behind t98.
    handles[98]?.request("before", { urgency: "immediate" });
    const queued = handles[99]?.request("before", { urgency: "immediate" });
    await clock.advance(0);
    // Every even target is dirty; the odd ones (t99 aside) have nothing to write.
    for (let i = 0; i < 98; i += 2) handles[i]?.request("dirty");
    const closing = writer.close({ timeoutMs: 55 });
    await clock.advance(55);
    const report = await closing;
    const outcome = (target: string) => report.targets.find((t) => t.target === target)?.outcome;
    expect(outcome("t98")).toBe("written");
    expect(outcome("t99")).toBe("written");
    expect(await queued?.settled).toMatchObject({ ok: true });
    expect(outcome("t0")).toBe("written");
    expect(outcome("t1")).toBe("clean");
    expect(outcome("t96")).toBe("timed-out");
    expect(outcome("t97")).toBe("clean");
    expect(stats.maxActive).toBe(1);
    expect(report.targets.filter((t) => t.outcome === "written")).toHaveLength(5);
  });

  it("accepts Infinity (no bound)", async () => {
    const clock = new FakeClock();
    const { sink, stats } = slowSink(clock, 10);
    const writer = createPersistenceWriter({
      sink,
      clock,
      executor: "inline",
      concurrency: Number.POSITIVE_INFINITY,
    });
    for (let i = 0; i < 30; i++) {
      writer
        .register(`t${i}`, { snapshot: () => "x", codec: textCodec() })
        .request("r", { urgency: "immediate" });
    }
    await clock.advance(5);
    expect(stats.maxActive).toBe(30);
    const closing = writer.close();
    await clock.advance(10);
    expect((await closing).ok).toBe(true);
  });

  it("rejects a bad concurrency at construction", () => {
    const clock = new FakeClock();
    const { sink } = slowSink(clock, 1);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(() => createPersistenceWriter({ sink, concurrency: bad })).toThrow(RangeError);
    }
    expect(() => createPersistenceWriter({ sink, concurrency: "8" as unknown as number })).toThrow(
      TypeError,
    );
  });
});
