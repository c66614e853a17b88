import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { createFaultyFs, createMemoryFs, type FsFaultPlan } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { deferred, failure } from "./helpers.js";

const DIR = "/data";
const TARGET = `${DIR}/known.met`;
const TEMP = /\/\.known\.met\.[0-9]+-[0-9a-z-]+\.tmp$/;
/** Two 4-byte chunks fill a batch. */
const BATCH = { maxBytes: 8, maxChunks: 64 };

/** Lets pending promise callbacks and one macrotask turn run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Chunk `i`: four bytes, `i` in each, so the file shows the order. */
const chunk = (i: number) => new Uint8Array(4).fill(i);

/** What `count` chunks in order make up. */
const payload = (count: number) =>
  Object.fromEntries([...Array(count * 4).keys()].map((at) => [at, Math.floor(at / 4)]));

/** A chunk source that counts what it handed out, sync or async. */
function countingSource(count: number, kind: "sync" | "async") {
  const state = { pulled: 0, pulledBytes: 0 };
  function* sync(): Generator<Uint8Array> {
    for (let i = 0; i < count; i += 1) {
      state.pulled += 1;
      state.pulledBytes += 4;
      yield chunk(i);
    }
  }
  async function* async(): AsyncGenerator<Uint8Array> {
    yield* sync();
  }
  return { state, source: kind === "sync" ? sync() : async() };
}

function setup(plan: FsFaultPlan) {
  const memory = createMemoryFs({ [TARGET]: "old content" });
  const fs = createFaultyFs(memory, plan);
  const sink = createFsSink({ dir: DIR, fs, batch: BATCH });
  const names = () => Object.keys(memory.toJSON()).sort();
  const bytes = () => memory.toJSON()[TARGET];
  const writes = () => fs.calls.filter((c) => c.op === "writev");
  const tempCalls = (op: string) => fs.calls.filter((c) => c.op === op && TEMP.test(c.path));
  return { memory, fs, sink, names, bytes, writes, tempCalls };
}

/** Reads the stored bytes of `path` from the memory fs through the sink's own port. */
async function stored(fs: FsPort, path: string): Promise<Record<number, number>> {
  const data = await fs.readFile(path);
  return Object.fromEntries([...new Uint8Array(data)].map((value, at) => [at, value]));
}

/** An OS error as Node builds it. */
const osError = (code: string) =>
  Object.assign(new Error(`${code}: i/o error, write`), { code, errno: -5, syscall: "write" });

/**
 * A memory fs whose `writev` calls each wait until the test lets them run (`proceed.resolve()`) or
 * fail (`proceed.reject(error)`).
 */
function heldWrites() {
  const memory = createMemoryFs({ [TARGET]: "old content" });
  const writes: { position: number; bytes: number; proceed: ReturnType<typeof deferred> }[] = [];
  const wrap = (handle: FsFileHandle): FsFileHandle => ({
    fd: handle.fd,
    write: (...args) => handle.write(...args),
    writev: async (buffers, position) => {
      const proceed = deferred();
      const bytes = buffers.reduce((sum, b) => sum + b.byteLength, 0);
      writes.push({ position: position ?? -1, bytes, proceed });
      await proceed.promise;
      return handle.writev(buffers, position);
    },
    read: (...args) => handle.read(...args),
    sync: () => handle.sync(),
    datasync: () => handle.datasync(),
    stat: () => handle.stat(),
    chmod: (mode) => handle.chmod(mode),
    close: () => handle.close(),
  });
  const fs: FsPort = { ...memory, open: async (...args) => wrap(await memory.open(...args)) };
  const sink = createFsSink({ dir: DIR, fs, batch: BATCH });
  const names = () => Object.keys(memory.toJSON()).sort();
  return { memory, sink, writes, names, content: () => memory.toJSON()[TARGET] };
}

describe("pipelined writes: the next batch is pulled while a writev is in flight", () => {
  it.each(["sync", "async"] as const)(
    "pulls exactly one more batch from a source (%s) while the first writev is held",
    async (kind) => {
      const { fs, sink, writes } = setup([{ op: "writev", path: TEMP, fault: { hang: true } }]);
      const { state, source } = countingSource(10, kind);
      const writing = sink.write("known.met", source);
      const held = await fs.waitForHang();
      await settle();
      expect(held).toMatchObject({ op: "writev", position: 0, bytes: 8 });
      // Chunks 0 and 1 are being written; 2 and 3 (the next batch) were encoded meanwhile, and
      // nothing beyond them: the bound is two batches.
      expect(state.pulled).toBe(4);
      expect(writes()).toHaveLength(1);
      fs.release(held.seq);
      const result = await writing;
      expect(result.bytes).toBe(40);
      expect(writes().map((c) => c.position)).toEqual([0, 8, 16, 24, 32]);
      expect(await stored(fs, TARGET)).toEqual(payload(10));
    },
  );

  it("never holds more than the batch in flight and the next one", async () => {
    const { fs, sink, writes } = setup([
      { op: "writev", path: TEMP, times: Number.POSITIVE_INFINITY, fault: { hang: true } },
    ]);
    const { state, source } = countingSource(21, "async");
    const writing = sink.write("known.met", source);
    const inFlight: number[] = [];
    let written = 0;
    for (let n = 0; n < 11; n += 1) {
      const held = await fs.waitForHang();
      await settle();
      inFlight.push(state.pulledBytes - written);
      expect(held.position).toBe(written);
      written += held.bytes ?? 0;
      fs.release(held.seq);
    }
    await writing;
    // 8 bytes being written plus the 8 of the next batch; at the end a lone last chunk.
    expect(inFlight).toEqual([16, 16, 16, 16, 16, 16, 16, 16, 16, 12, 4]);
    expect(writes()).toHaveLength(11);
    expect(await stored(fs, TARGET)).toEqual(payload(21));
  });

  it("continues short writes in order while the next batch waits", async () => {
    const { fs, sink, writes } = setup([
      { op: "writev", path: TEMP, nth: 1, fault: { torn: 3 } },
      { op: "writev", path: TEMP, nth: 2, fault: { hang: true } },
      { op: "writev", path: TEMP, nth: 3, times: 4, fault: { torn: 0.5 } },
    ]);
    const { state, source } = countingSource(8, "async");
    const writing = sink.write("known.met", source);
    const held = await fs.waitForHang();
    await settle();
    // The continuation of the torn first batch starts at byte 3, and only the next batch was
    // pulled meanwhile.
    expect(held).toMatchObject({ position: 3, bytes: 5 });
    expect(state.pulled).toBe(4);
    fs.release(held.seq);
    expect((await writing).bytes).toBe(32);
    let expected = 0;
    for (const call of writes()) {
      expect(call.position).toBe(expected);
      expected +=
        call.outcome === "torn"
          ? call.fault !== undefined && "torn" in call.fault && call.fault.torn === 3
            ? 3
            : Math.floor((call.bytes ?? 0) * 0.5)
          : (call.bytes ?? 0);
    }
    expect(expected).toBe(32);
    expect(writes().filter((c) => c.outcome === "torn")).toHaveLength(5);
    expect(await stored(fs, TARGET)).toEqual(payload(8));
  });
});

describe("pipelined writes: failures on one side while the other is busy", () => {
  it("fails at once when a writev fails while an async source is still producing", async () => {
    const { sink, writes, names, content } = heldWrites();
    const gate = deferred();
    const progress = { waiting: false, finished: false };
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield chunk(0);
        yield chunk(1);
        // The first batch is being written now; this chunk takes until the test says so.
        progress.waiting = true;
        await gate.promise;
        yield chunk(2);
      } finally {
        progress.finished = true;
      }
    }
    const writing = sink.write("known.met", source());
    await settle();
    expect(writes).toHaveLength(1);
    expect(progress.waiting).toBe(true);
    writes[0]?.proceed.reject(osError("EIO"));
    const error = await failure(writing);
    expect(error).toMatchObject({ code: "ERR_IO", stage: "write", target: "known.met" });
    expect(error.cause).toMatchObject({ code: "EIO" });
    expect(error.details).not.toHaveProperty("concurrentFailure");
    // The write failed without waiting for the source's pending chunk.
    expect(progress.finished).toBe(false);
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
    // The abandoned source is told to finish once its pending step is done.
    gate.resolve();
    await settle();
    expect(progress.finished).toBe(true);
  });

  it.each(["sync", "async"] as const)(
    "settles the writev in flight before reporting a failing source (%s), then cleans up",
    async (kind) => {
      const { fs, sink, bytes, names, tempCalls } = setup([
        { op: "writev", path: TEMP, fault: { hang: true } },
      ]);
      const boom = new Error("codec exploded");
      function* chunks(): Generator<Uint8Array> {
        yield chunk(0);
        yield chunk(1);
        yield chunk(2);
        throw boom;
      }
      async function* asyncChunks(): AsyncGenerator<Uint8Array> {
        yield* chunks();
      }
      let settled = false;
      const writing = sink.write("known.met", kind === "sync" ? chunks() : asyncChunks());
      writing.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      const held = await fs.waitForHang();
      await settle();
      // The source has failed, but the writev still runs: the handle stays open, the file stays.
      expect(settled).toBe(false);
      expect(tempCalls("close")).toEqual([]);
      expect(tempCalls("unlink")).toEqual([]);
      fs.release(held.seq);
      const error = await failure(writing);
      expect(error).toMatchObject({ stage: "write", target: "known.met" });
      expect(error.cause).toBe(boom);
      expect(error.details).toBeUndefined();
      const close = tempCalls("close")[0];
      expect(close?.seq).toBeGreaterThan(held.seq);
      expect(fs.calls.find((c) => c.seq === held.seq)?.outcome).toBe("ok");
      expect(bytes()).toBe("old content");
      expect(names()).toEqual([TARGET]);
    },
  );

  it("keeps a PersistenceError of the source as it is when the writev in flight succeeds", async () => {
    const { fs, sink, names } = setup([{ op: "writev", path: TEMP, fault: { hang: true } }]);
    const fromCodec = new PersistenceError("ERR_ENCODE", "bad record", { stage: "encode" });
    async function* source(): AsyncGenerator<Uint8Array> {
      yield chunk(0);
      yield chunk(1);
      throw fromCodec;
    }
    const writing = sink.write("known.met", source());
    fs.release((await fs.waitForHang()).seq);
    expect(await failure(writing)).toBe(fromCodec);
    expect(names()).toEqual([TARGET]);
  });

  it("reports the source's failure first and attaches the writev's later one", async () => {
    const { sink, writes, names, content } = heldWrites();
    const fromCodec = new PersistenceError("ERR_ENCODE", "bad record", {
      stage: "encode",
      details: { index: 2 },
    });
    function* source(): Generator<Uint8Array> {
      yield chunk(0);
      yield chunk(1);
      throw fromCodec;
    }
    const writing = sink.write("known.met", source());
    await settle();
    expect(writes).toHaveLength(1);
    writes[0]?.proceed.reject(osError("EIO"));
    const error = await failure(writing);
    expect(error).not.toBe(fromCodec);
    expect(error).toMatchObject({
      code: "ERR_ENCODE",
      stage: "encode",
      message: "bad record",
      details: { index: 2 },
    });
    expect(error.details?.concurrentFailure).toMatchObject({
      code: "ERR_IO",
      stage: "write",
      cause: { code: "EIO" },
    });
    expect(content()).toBe("old content");
    expect(names()).toEqual([TARGET]);
  });

  it("reports the writev's failure when it comes before the source's", async () => {
    const { sink, writes, names } = heldWrites();
    const gate = deferred();
    const progress = { finished: false };
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        yield chunk(0);
        yield chunk(1);
        await gate.promise;
        throw new Error("codec exploded later");
      } finally {
        progress.finished = true;
      }
    }
    const writing = sink.write("known.met", source());
    await settle();
    writes[0]?.proceed.reject(osError("ENOSPC"));
    const error = await failure(writing);
    expect(error).toMatchObject({ code: "ERR_NO_SPACE", stage: "write" });
    expect(error.details).not.toHaveProperty("concurrentFailure");
    // The source's failure comes after the write was reported and is not an unhandled rejection.
    gate.resolve();
    await settle();
    expect(progress.finished).toBe(true);
    expect(names()).toEqual([TARGET]);
  });

  it("reports an abort first and waits for the writev in flight before cleaning up", async () => {
    const { fs, sink, bytes, names, tempCalls } = setup([
      { op: "writev", path: TEMP, fault: { hang: true } },
    ]);
    const controller = new AbortController();
    const gate = deferred();
    async function* source(): AsyncGenerator<Uint8Array> {
      yield chunk(0);
      yield chunk(1);
      await gate.promise;
      yield chunk(2);
    }
    const writing = sink.write("known.met", source(), { signal: controller.signal });
    const held = await fs.waitForHang();
    controller.abort(new Error("shutting down"));
    await settle();
    expect(tempCalls("unlink")).toEqual([]);
    fs.release(held.seq);
    const error = await failure(writing);
    expect(error).toMatchObject({ code: "ERR_ABORTED", stage: "write" });
    expect(error.cause).toEqual(new Error("shutting down"));
    expect(bytes()).toBe("old content");
    expect(names()).toEqual([TARGET]);
    gate.resolve();
  });
});
