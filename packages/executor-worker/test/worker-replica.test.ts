import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Codec,
  createPersistenceWriter,
  isPersistenceError,
  type PersistenceWriter,
  type PersistenceWriterOptions,
  type WriteFailed,
  type WriteResult,
} from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createWorkerReplica,
  serveReplica,
  type WorkerReplica,
  type WorkerReplicaOptions,
} from "../src/index.js";
import { RecordingSink } from "./support/recording-sink.js";

// The fixture runs in worker threads and imports the built package: `npx turbo run build
// --filter=@snapwrite/executor-worker...` before running these tests (turbo's test task does).
const FIXTURE = new URL("./fixtures/lines-replica-worker.mjs", import.meta.url);

type LinePatch =
  | { readonly op: "set"; readonly key: string; readonly value: string }
  | { readonly op: "delete"; readonly key: string }
  | { readonly op: "bytes"; readonly key: string; readonly bytes: Uint8Array }
  | {
      readonly op: "control";
      readonly control: { readonly encode?: string; readonly sink?: readonly string[] };
    }
  | { readonly op: "throw" }
  | { readonly op: "exit" };

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapwrite-worker-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

function replicaOf(
  options: Partial<WorkerReplicaOptions<LinePatch, { dir: string; failStart?: boolean }>> = {},
): WorkerReplica<LinePatch> {
  const replica = createWorkerReplica<LinePatch, { dir: string; failStart?: boolean }>({
    module: FIXTURE,
    options: { dir },
    ...options,
  });
  cleanups.push(() => replica.close({ timeoutMs: 0 }));
  return replica;
}

function writerOf(options: Partial<PersistenceWriterOptions> = {}): {
  writer: PersistenceWriter;
  results: WriteResult[];
  sink: RecordingSink;
} {
  const results: WriteResult[] = [];
  const sink = new RecordingSink();
  const writer = createPersistenceWriter({
    sink,
    retry: { initialMs: 5, maxMs: 20, jitter: 0 },
    onResult: (result) => results.push(result),
    ...options,
  });
  cleanups.push(() => writer.close({ timeoutMs: 1000 }));
  return { writer, results, sink };
}

async function fileText(target: string): Promise<string> {
  return readFile(join(dir, target), "utf8");
}

const textCodec: Codec<string> = {
  name: "text",
  encode: (value) => [new TextEncoder().encode(value)],
  decode: (bytes) => new TextDecoder().decode(bytes),
};

function failure(result: WriteResult): WriteFailed {
  if (result.ok) throw new Error("expected a failed write");
  return result;
}

describe("worker replica targets", () => {
  it("applies patches in order and writes the replica as it is at the write's generation", async () => {
    const { writer, sink } = writerOf();
    const replica = replicaOf();
    const known = writer.register("state/lines.txt", { runner: replica, debounceMs: 20 });
    const model = new Map<string, string>();
    let ticket = known.request("start");
    for (let i = 0; i < 50; i++) {
      const key = `k${i % 7}`;
      const value = `v${i}`;
      model.set(key, value);
      replica.patch({ op: "set", key, value });
      if (i % 5 === 0) {
        model.delete("k3");
        replica.patch({ op: "delete", key: "k3" });
      }
      ticket = known.request(`mutation ${i}`);
    }
    const result = await ticket.settled;
    expect(result).toMatchObject({ ok: true, generation: 51, requests: 51, attempt: 1 });
    const expected = [...model].map(([key, value]) => `${key}=${value}\n`).join("");
    expect(await fileText("state/lines.txt")).toBe(expected);
    expect(await fileText("state/lines.txt.generation")).toBe("51");
    expect(result.ok && result.bytes).toBe(Buffer.byteLength(expected));
    // The writer's own sink is not involved in replica targets.
    expect(sink.calls).toHaveLength(0);
    expect(replica.stats).toMatchObject({ patches: 60, alive: true, spawns: 1, dropped: 0 });
    expect(replica.stats.batches).toBeLessThan(60);
  });

  it("needs no owner-side sink when every target of the writer is a replica", async () => {
    const writer = createPersistenceWriter({ retry: { initialMs: 5, maxMs: 20, jitter: 0 } });
    cleanups.push(() => writer.close({ timeoutMs: 1000 }));
    const first = replicaOf();
    const second = replicaOf();
    const a = writer.register("a.txt", { runner: first, debounceMs: 60_000, maxDelayMs: 60_000 });
    const b = writer.register("b.txt", { runner: second, debounceMs: 0 });
    first.patch({ op: "set", key: "a", value: "1" });
    second.patch({ op: "set", key: "b", value: "2" });
    expect(await b.saveNow("now")).toMatchObject({ ok: true, generation: 1 });
    a.request("at close");
    // A snapshot + codec target has nowhere to go on this writer.
    expect(() => writer.register("c.txt", { snapshot: () => "c", codec: textCodec })).toThrow(
      TypeError,
    );
    const report = await writer.close({ timeoutMs: 5000 });
    expect(report.ok).toBe(true);
    expect(report.targets.map((line) => [line.target, line.outcome])).toEqual([
      ["a.txt", "written"],
      ["b.txt", "clean"],
    ]);
    expect(await fileText("a.txt")).toBe("a=1\n");
    expect(await fileText("b.txt")).toBe("b=2\n");
    expect(first.stats.alive).toBe(false);
    expect(second.stats.alive).toBe(false);
  });

  it("moves transferred buffers into the worker", async () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    const known = writer.register("bytes.txt", { runner: replica, debounceMs: 0 });
    const bytes = new TextEncoder().encode("moved");
    replica.patch({ op: "bytes", key: "b", bytes }, [bytes.buffer]);
    const result = await known.saveNow("transfer");
    expect(bytes.byteLength).toBe(0);
    expect(result.ok).toBe(true);
    expect(await fileText("bytes.txt")).toBe("b=moved\n");
  });

  it("coalesces requests, settles every ticket with one result and writes once more after an in-flight write", async () => {
    const { writer, results } = writerOf();
    const replica = replicaOf();
    const known = writer.register("c.txt", { runner: replica, debounceMs: 10 });
    const events: string[] = [];
    writer.subscribe((event) => events.push(`${event.type}:${event.generation}`));
    replica.patch({ op: "control", control: { sink: ["delay"] } });
    replica.patch({ op: "set", key: "a", value: "1" });
    const first = known.request("one", { urgency: "immediate" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(known.state.inFlight).toBe(true);
    replica.patch({ op: "set", key: "a", value: "2" });
    const tickets = [known.request("two"), known.request("three"), known.request("four")];
    const firstResult = await first.settled;
    expect(firstResult).toMatchObject({ ok: true, generation: 1, newerPending: true });
    const later = await Promise.all(tickets.map((t) => t.settled));
    expect(new Set(later).size).toBe(1);
    expect(later[0]).toMatchObject({ ok: true, generation: 4, requests: 3 });
    expect(later[0]?.reasons).toEqual(["two", "three", "four"]);
    expect(results).toHaveLength(2);
    expect(await fileText("c.txt")).toBe("a=2\n");
    // The patch made while the first write ran waited for it: each write saw a consistent state.
    expect(await fileText("c.txt.log")).toBe('1:"a=1\\n"\n4:"a=2\\n"\n');
    expect(events).toEqual([
      "requested:1",
      "write-started:1",
      "requested:2",
      "requested:3",
      "requested:4",
      "write-finished:1",
      "write-started:4",
      "write-finished:4",
    ]);
    const health = writer.health().targets["c.txt"];
    expect(health).toMatchObject({ writes: 2, successes: 2, coalesced: 2, unsaved: false });
  });

  it("reports an encode failure in the worker as ERR_ENCODE at stage encode, and recovers", async () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    const known = writer.register("e.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "set", key: "x", value: "1" });
    replica.patch({ op: "control", control: { encode: "throw" } });
    const bad = failure(await known.saveNow("broken"));
    expect(bad.stage).toBe("encode");
    expect(isPersistenceError(bad.error, "ERR_ENCODE")).toBe(true);
    expect(bad.error.stage).toBe("encode");
    expect(bad.error.message).toContain("encoder broke on purpose");
    expect((bad.error.cause as Error).message).toBe("encoder broke on purpose");
    expect((bad.error.cause as Error).stack).toContain("lines-replica-worker.mjs");
    expect(bad.willRetry).toBe(false);
    expect(known.state.unsaved).toBe(true);
    replica.patch({ op: "control", control: { encode: "ok" } });
    const good = await known.saveNow("fixed");
    expect(good).toMatchObject({ ok: true, generation: 2 });
    expect(await fileText("e.txt")).toBe("x=1\n");
    expect(replica.stats.spawns).toBe(1);
  });

  it("keeps a sink error's code, stage and details, maps OS errors, and retries transient ones", async () => {
    const { writer, results } = writerOf();
    const replica = replicaOf();
    const known = writer.register("s.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "set", key: "y", value: "2" });
    replica.patch({ op: "control", control: { sink: ["no-space", "eacces"] } });
    const first = failure(await known.saveNow("full"));
    expect(first.stage).toBe("sync");
    expect(first.error.code).toBe("ERR_NO_SPACE");
    expect(first.error.details).toEqual({ free: 0 });
    expect((first.error.cause as Error & { code?: string }).code).toBe("ENOSPC");
    expect(first.willRetry).toBe(true);
    for (let i = 0; i < 200 && results.length < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = failure(results[1] as WriteResult);
    expect(second).toMatchObject({ stage: "write", attempt: 2, willRetry: true });
    expect(second.error.code).toBe("ERR_PERMISSION");
    expect((second.error.cause as Error & { code?: string }).code).toBe("EACCES");
    expect(results[2]).toMatchObject({ ok: true, attempt: 3, generation: 1 });
    expect(await fileText("s.txt")).toBe("y=2\n");
  });

  it("honours the close() deadline with a hung worker-side write and reports timed-out", async () => {
    const { writer } = writerOf();
    const replica = replicaOf({ abortGraceMs: 50 });
    const known = writer.register("h.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "control", control: { sink: ["hang"] } });
    replica.patch({ op: "set", key: "z", value: "3" });
    const ticket = known.request("hangs", { urgency: "immediate" });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(known.state.inFlight).toBe(true);
    const report = await writer.close({ timeoutMs: 100 });
    expect(report.ok).toBe(false);
    expect(report.targets).toEqual([
      expect.objectContaining({ target: "h.txt", outcome: "timed-out", generation: 1 }),
    ]);
    expect(report.durationMs).toBeLessThan(5000);
    const settled = failure(await ticket.settled);
    expect(settled.stage).toBe("close");
    expect(settled.error.code).toBe("ERR_TIMEOUT");
    expect(replica.stats.alive).toBe(false);
    expect(() => replica.patch({ op: "set", key: "late", value: "x" })).toThrow(
      expect.objectContaining({ code: "ERR_CLOSED" }),
    );
  });

  it("terminates a worker stuck in a synchronous encode after the abort grace period", async () => {
    const replica = replicaOf({ abortGraceMs: 20 });
    const { writer } = writerOf();
    const known = writer.register("spin.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "control", control: { encode: "spin" } });
    known.request("spins", { urgency: "immediate" });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const report = await writer.close({ timeoutMs: 50 });
    expect(report.targets[0]).toMatchObject({ outcome: "timed-out" });
    expect(replica.stats.alive).toBe(false);
  });

  it("fails a write whose worker exits with a typed transient error, then resyncs and recovers", async () => {
    const { writer, results } = writerOf();
    const model = new Map<string, string>([["a", "1"]]);
    const replica = replicaOf({
      resync(fresh) {
        for (const [key, value] of model) fresh.patch({ op: "set", key, value });
      },
    });
    const known = writer.register("x.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "set", key: "a", value: "1" });
    replica.patch({ op: "exit" });
    const crashed = failure(await known.saveNow("crash"));
    expect(crashed.error.code).toBe("ERR_IO");
    expect(crashed.stage).toBe("write");
    expect(crashed.error.details).toEqual({ reason: "worker-exit", exitCode: 7 });
    expect(crashed.willRetry).toBe(true);
    // Patches while the replica is lost are dropped: resync rebuilds the whole state.
    model.set("b", "2");
    replica.patch({ op: "set", key: "b", value: "2" });
    known.request("more");
    for (let i = 0; i < 200 && !results.some((r) => r.ok); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(results.at(-1)).toMatchObject({ ok: true, generation: 2 });
    expect(await fileText("x.txt")).toBe("a=1\nb=2\n");
    expect(replica.stats).toMatchObject({ spawns: 2, resyncs: 1, alive: true });
    expect(replica.stats.dropped).toBeGreaterThanOrEqual(1);
  });

  it("never writes a lost replica without resync: ERR_SNAPSHOT, permanent", async () => {
    const { writer, results } = writerOf();
    const replica = replicaOf();
    const known = writer.register("lost.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "throw" });
    const crashed = failure(await known.saveNow("crash"));
    expect(crashed.error.code).toBe("ERR_IO");
    expect(crashed.error.message).toContain("apply failed on purpose");
    for (let i = 0; i < 200 && results.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const lost = failure(results[1] as WriteResult);
    expect(lost.stage).toBe("snapshot");
    expect(lost.error.code).toBe("ERR_SNAPSHOT");
    expect(lost.willRetry).toBe(false);
    expect(replica.stats.spawns).toBe(1);
    await expect(readFile(join(dir, "lost.txt"))).rejects.toThrow();
  });

  it("treats a patch that cannot be posted as a lost replica", async () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    const known = writer.register("clone.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "set", key: "ok", value: "1" });
    replica.patch({ op: "set", key: "fn", value: (() => 1) as never });
    const result = failure(await known.saveNow("uncloneable"));
    expect(result.stage).toBe("snapshot");
    expect(result.error.code).toBe("ERR_SNAPSHOT");
    expect(result.error.message).toContain("could not be posted");
    expect(replica.stats).toMatchObject({ alive: false, dropped: 2 });
    await expect(readFile(join(dir, "clone.txt"))).rejects.toThrow();
  });

  it("reports a replica that fails to start as ERR_SNAPSHOT", async () => {
    const { writer } = writerOf();
    const replica = replicaOf({ options: { dir, failStart: true } });
    const known = writer.register("f.txt", { runner: replica, debounceMs: 0 });
    const result = failure(await known.saveNow("start"));
    expect(result.stage).toBe("snapshot");
    expect(result.error.code).toBe("ERR_SNAPSHOT");
    expect(result.error.message).toContain("cannot build the replica on purpose");
    expect(result.willRetry).toBe(false);
  });

  it("reports a worker module that fails while loading as ERR_SNAPSHOT and starts it only once", async () => {
    const { writer, results } = writerOf();
    const replica = replicaOf({
      module: new URL("./fixtures/throwing-module-worker.mjs", import.meta.url),
    });
    const known = writer.register("f.txt", { runner: replica, debounceMs: 0 });
    const result = failure(await known.saveNow("start"));
    expect(result.stage).toBe("snapshot");
    expect(result.error.code).toBe("ERR_SNAPSHOT");
    expect(result.error.details).toMatchObject({ reason: "worker-start" });
    expect(result.willRetry).toBe(false);
    // Permanent: no retry respawns the thread behind the caller's back.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(replica.stats.spawns).toBe(1);
    expect(results).toHaveLength(1);
  });

  it("close() flushes unsaved replica targets and stops their workers", async () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    const known = writer.register("flush.txt", {
      runner: replica,
      debounceMs: 60_000,
      maxDelayMs: 60_000,
    });
    replica.patch({ op: "set", key: "last", value: "state" });
    const ticket = known.request("before close");
    const report = await writer.close({ timeoutMs: 5000 });
    expect(report).toMatchObject({ ok: true });
    expect(report.targets[0]).toMatchObject({ outcome: "written", generation: 1 });
    expect((await ticket.settled).ok).toBe(true);
    expect(await fileText("flush.txt")).toBe("last=state\n");
    expect(replica.stats.alive).toBe(false);
  });

  it("gives a running write its full abortGraceMs above 2^31 - 1 ms instead of terminating at once", async () => {
    const replica = replicaOf({ abortGraceMs: 3e9 });
    replica.patch({ op: "control", control: { sink: ["delay"] } });
    replica.patch({ op: "set", key: "g", value: "1" });
    const controller = new AbortController();
    const writing = replica.run({
      target: "grace.txt",
      generation: 1,
      attempt: 1,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("deadline"));
    // Node fires an overflowing timer after 1 ms; the worker answers the abort itself within ~50 ms.
    const outcome = await writing;
    expect(outcome.ok ? "ok" : outcome.error.message).not.toMatch(/terminated|stopped/);
    expect(replica.stats).toMatchObject({ alive: true, spawns: 1 });
  });

  it("lets a running write finish within a close() timeout above 2^31 - 1 ms", async () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    const known = writer.register("late.txt", { runner: replica, debounceMs: 0 });
    replica.patch({ op: "control", control: { sink: ["delay"] } });
    replica.patch({ op: "set", key: "kept", value: "yes" });
    const ticket = known.request("slow", { urgency: "immediate" });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(known.state.inFlight).toBe(true);
    await replica.close({ timeoutMs: MAX_TIMER_MS + 1 });
    expect((await ticket.settled).ok).toBe(true);
    expect(await fileText("late.txt")).toBe("kept=yes\n");
    expect(replica.stats.alive).toBe(false);
  });

  it("lets the process exit while a replica idles, and keeps it alive for a running save", async () => {
    const script = `
      import { createPersistenceWriter } from "@snapwrite/core";
      import { createWorkerReplica } from ${JSON.stringify(new URL("../dist/index.js", import.meta.url).href)};
      const replica = createWorkerReplica({ module: new URL(${JSON.stringify(FIXTURE.href)}), options: { dir: ${JSON.stringify(dir)} } });
      const writer = createPersistenceWriter({});
      const known = writer.register("exit.txt", { runner: replica, debounceMs: 0 });
      replica.patch({ op: "set", key: "done", value: "yes" });
      known.request("last", { urgency: "immediate" }).settled.then((r) => console.log(r.ok, r.ok ? "" : r.error.message));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--max-old-space-size=512", "--input-type=module", "-e", script],
        { timeout: 15_000, cwd: fileURLToPath(new URL("..", import.meta.url)) },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
    });
    expect(stdout.trim()).toBe("true");
    expect(await fileText("exit.txt")).toBe("done=yes\n");
  });
});

describe("worker replica options", () => {
  it("rejects bad replica options with TypeError/RangeError", () => {
    expect(() => createWorkerReplica({} as never)).toThrow(TypeError);
    expect(() => createWorkerReplica({ module: "" })).toThrow(TypeError);
    expect(() =>
      createWorkerReplica({ module: new URL("./fixtures/no-such-worker.mjs", import.meta.url) }),
    ).toThrow(/does not exist/);
    expect(() => createWorkerReplica({ module: FIXTURE, resync: 1 as never })).toThrow(TypeError);
    expect(() => createWorkerReplica({ module: FIXTURE, abortGraceMs: -1 })).toThrow(RangeError);
    expect(() => createWorkerReplica({ module: FIXTURE, abortGraceMs: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => createWorkerReplica({ module: FIXTURE, options: { fn: () => 1 } })).toThrow(
      TypeError,
    );
  });

  it("serveReplica() checks its definition and does nothing outside a replica worker", () => {
    expect(() => serveReplica({} as never)).toThrow(TypeError);
    expect(() => serveReplica({ createReplica: () => ({}) } as never)).toThrow(TypeError);
    expect(
      serveReplica({
        createReplica: () => ({ apply() {}, encode: () => [] }),
        createSink: () => new RecordingSink(),
      }),
    ).toBe(false);
  });

  it("register() takes either snapshot + codec or a replica as runner, and a replica only once", () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    expect(() =>
      writer.register("both", {
        runner: replica,
        snapshot: () => "x",
        codec: textCodec,
      } as never),
    ).toThrow(TypeError);
    expect(() => writer.register("neither", {} as never)).toThrow(TypeError);
    expect(() => writer.register("old-form", { replica } as never)).toThrow(
      /as \{ runner: replica \}/,
    );
    expect(() => writer.register("fake", { runner: { patch() {} } as never })).toThrow(TypeError);
    expect(() => writer.register("bad-delay", { runner: replica, debounceMs: -1 })).toThrow(
      RangeError,
    );
    const handle = writer.register("once", { runner: replica });
    expect(handle.runner).toBe(replica);
    expect("codec" in handle).toBe(false);
    expect(() => writer.register("twice", { runner: replica })).toThrow(TypeError);
  });

  it("refuses to register a replica after close() began", async () => {
    const { writer } = writerOf();
    const replica = replicaOf();
    await writer.close();
    expect(() => writer.register("late", { runner: replica })).toThrow(
      expect.objectContaining({ code: "ERR_CLOSED" }),
    );
  });
});
