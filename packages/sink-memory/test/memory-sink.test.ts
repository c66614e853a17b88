import {
  type Codec,
  isPersistenceError,
  loadTarget,
  PersistenceError,
  type Sink,
} from "@snapwrite/core";
import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { createManualClock } from "@snapwrite/testkit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemorySink, type MemorySinkLatencyInfo } from "../src/index.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (text: string): Uint8Array => enc.encode(text);
const text = (data: Uint8Array): string => dec.decode(data);

async function rejection(promise: Promise<unknown>): Promise<PersistenceError> {
  try {
    await promise;
  } catch (error) {
    expect(isPersistenceError(error)).toBe(true);
    return error as PersistenceError;
  }
  throw new Error("expected a rejection");
}

/** An async chunk source that yields `parts` and then waits until `finish()` (or `fail()`). */
function gatedSource(parts: string[]) {
  let open!: () => void;
  let broken!: (error: unknown) => void;
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    broken = reject;
  });
  let returned = false;
  const source: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        async next() {
          if (i < parts.length) return { done: false, value: bytes(parts[i++] as string) };
          await gate;
          return { done: true, value: undefined };
        },
        async return() {
          returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return {
    source,
    finish: () => open(),
    fail: (e: unknown) => broken(e),
    wasReturned: () => returned,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("createMemorySink", () => {
  it("declares its capabilities", () => {
    expect(createMemorySink().capabilities).toEqual({
      atomicReplace: true,
      durable: false,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    });
    expect(createMemorySink({ fencing: true }).capabilities.fencing).toBe(true);
    expect(createMemorySink({ backup: true }).capabilities.backup).toBe(true);
  });

  it("rejects nonsensical options at construction", () => {
    expect(() => createMemorySink({ latencyMs: -1 })).toThrow(RangeError);
    expect(() => createMemorySink({ latencyMs: Number.NaN })).toThrow(RangeError);
    expect(() => createMemorySink({ durable: true as unknown as false })).toThrow(TypeError);
  });

  it("rejects a latency setTimeout cannot honour (above 2^31 - 1 ms) instead of firing early", async () => {
    expect(() => createMemorySink({ latencyMs: 3e9 })).toThrow(RangeError);
    expect(() => createMemorySink({ latencyMs: MAX_TIMER_MS + 1 })).toThrow(
      new RegExp(`0\\.\\.${MAX_TIMER_MS}`),
    );
    expect(() => createMemorySink({ latencyMs: MAX_TIMER_MS })).not.toThrow();
    const sink = createMemorySink({ latencyMs: () => 3e9 });
    const error = await rejection(sink.write("a", [bytes("x")]));
    expect(error.code).toBe("ERR_IO");
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(sink.keys()).toEqual([]);
  });

  it("throws TypeError for unknown option keys, naming the key", () => {
    expect(() => createMemorySink({ bakup: true } as never)).toThrow(TypeError);
    expect(() => createMemorySink({ bakup: true } as never)).toThrow(/"bakup"/);
    expect(() => createMemorySink({ latency: 5 } as never)).toThrow(/"latency"/);
  });

  it("throws TypeError for options of the wrong type", () => {
    expect(() => createMemorySink({ backup: "yes" as never })).toThrow(TypeError);
    expect(() => createMemorySink({ fencing: 1 as never })).toThrow(TypeError);
    expect(() => createMemorySink({ copyChunks: "true" as never })).toThrow(TypeError);
    expect(() => createMemorySink({ latencyMs: "5" as never })).toThrow(TypeError);
    expect(() => createMemorySink(null as never)).toThrow(TypeError);
    expect(() => createMemorySink({ clock: {} as never })).toThrow(/clock\.now/);
    expect(() => createMemorySink({ clock: {} as never })).toThrow(TypeError);
  });

  it("stores the concatenated chunks and reports the byte count", async () => {
    const sink = createMemorySink();
    const result = await sink.write("state/a.json", [bytes("ab"), bytes(""), bytes("cdé")]);
    expect(result).toEqual({ bytes: 6, durable: false });
    expect(text(await sink.read("state/a.json"))).toBe("abcdé");
  });

  it("accepts async chunk sources and empty content", async () => {
    const sink = createMemorySink();
    async function* chunks() {
      yield bytes("x");
      yield bytes("y");
    }
    await sink.write("a", chunks());
    expect(text(await sink.read("a"))).toBe("xy");
    await sink.write("b", []);
    expect((await sink.read("b")).byteLength).toBe(0);
  });

  it("hands out copies on read", async () => {
    const sink = createMemorySink();
    await sink.write("a", [bytes("abc")]);
    const first = await sink.read("a");
    first.fill(0);
    expect(text(await sink.read("a"))).toBe("abc");
  });

  it("retains handed-over chunks unless copyChunks is set", async () => {
    const shared = bytes("abc");
    const retaining = createMemorySink();
    await retaining.write("a", [shared]);
    const copying = createMemorySink({ copyChunks: true });
    await copying.write("a", [shared]);
    shared.set(bytes("xyz"));
    expect(text(await retaining.read("a"))).toBe("xyz");
    expect(text(await copying.read("a"))).toBe("abc");
  });

  it("rejects reads of missing targets and backups with ERR_NOT_FOUND", async () => {
    const sink = createMemorySink({ backup: true });
    expect((await rejection(sink.read("missing"))).code).toBe("ERR_NOT_FOUND");
    await sink.write("a", [bytes("1")]);
    const noBackup = await rejection(sink.read("a", { from: "backup" }));
    expect(noBackup.code).toBe("ERR_NOT_FOUND");
    expect(noBackup.details).toEqual({ from: "backup" });
  });

  it("keeps the old content visible until the last chunk arrived", async () => {
    const sink = createMemorySink();
    await sink.write("a", [bytes("old")]);
    const gated = gatedSource(["new-1", "new-2"]);
    const writing = sink.write("a", gated.source);
    await new Promise((resolve) => setImmediate(resolve));
    expect(text(await sink.read("a"))).toBe("old");
    gated.finish();
    await writing;
    expect(text(await sink.read("a"))).toBe("new-1new-2");
  });

  it("leaves the old content when the chunk source throws, with the error as cause", async () => {
    const sink = createMemorySink();
    await sink.write("a", [bytes("old")]);
    const boom = new Error("encoder exploded");
    function* chunks() {
      yield bytes("partial");
      throw boom;
    }
    const error = await rejection(sink.write("a", chunks()));
    expect(error.code).toBe("ERR_IO");
    expect(error.stage).toBe("write");
    expect(error.cause).toBe(boom);
    expect(text(await sink.read("a"))).toBe("old");
    expect(sink.stats()).toMatchObject({ writes: 1, failures: 1 });
  });

  it("keeps the code and stage of a PersistenceError thrown by the source", async () => {
    const sink = createMemorySink();
    const typed = new PersistenceError("ERR_ENCODE", "cannot encode", { stage: "encode" });
    async function* chunks() {
      yield bytes("partial");
      throw typed;
    }
    const error = await rejection(sink.write("a", chunks()));
    expect(error).toBe(typed);
    expect((await rejection(sink.read("a"))).code).toBe("ERR_NOT_FOUND");
  });

  it("rejects chunks that are not bytes with ERR_ENCODE and keeps the old content", async () => {
    const sink = createMemorySink();
    await sink.write("a", [bytes("old")]);
    const bad = [bytes("x"), "y"] as unknown as Uint8Array[];
    const error = await rejection(sink.write("a", bad));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.details).toMatchObject({ reason: "not-bytes", index: 1 });
    const notIterable = await rejection(sink.write("a", 42 as unknown as Uint8Array[]));
    expect(notIterable.code).toBe("ERR_ENCODE");
    expect(text(await sink.read("a"))).toBe("old");
  });

  it("rejects an already aborted write with ERR_ABORTED without pulling chunks", async () => {
    const sink = createMemorySink();
    await sink.write("a", [bytes("old")]);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const pull = vi.fn();
    const source: Iterable<Uint8Array> = {
      [Symbol.iterator]: () => ({
        next: () => {
          pull();
          return { done: true, value: undefined };
        },
      }),
    };
    const error = await rejection(sink.write("a", source, { signal: controller.signal }));
    expect(error.code).toBe("ERR_ABORTED");
    expect(error.stage).toBe("write");
    expect(pull).not.toHaveBeenCalled();
    expect(text(await sink.read("a"))).toBe("old");
  });

  it("aborts a write whose async source hangs, tells the source to stop, keeps the old content", async () => {
    const sink = createMemorySink();
    await sink.write("a", [bytes("old")]);
    const gated = gatedSource(["new"]);
    const controller = new AbortController();
    const writing = sink.write("a", gated.source, { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const error = await rejection(writing);
    expect(error.code).toBe("ERR_ABORTED");
    expect(error.stage).toBe("write");
    expect(gated.wasReturned()).toBe(true);
    expect(text(await sink.read("a"))).toBe("old");
  });

  it("aborts a sync source between chunks", async () => {
    const sink = createMemorySink();
    const controller = new AbortController();
    function* chunks() {
      yield bytes("1");
      controller.abort();
      yield bytes("2");
      yield bytes("3");
    }
    const error = await rejection(sink.write("a", chunks(), { signal: controller.signal }));
    expect(error.code).toBe("ERR_ABORTED");
    expect(sink.keys()).toEqual([]);
  });

  it("aborts during the injected latency, before the swap", async () => {
    vi.useFakeTimers();
    const sink = createMemorySink({ latencyMs: 100 });
    sink.put("a", bytes("old"));
    const controller = new AbortController();
    const writing = sink.write("a", [bytes("new")], { signal: controller.signal });
    const outcome = rejection(writing);
    await vi.advanceTimersByTimeAsync(50);
    controller.abort();
    const error = await outcome;
    expect(error.code).toBe("ERR_ABORTED");
    await vi.advanceTimersByTimeAsync(200);
    expect(text(sink.snapshot().get("a") as Uint8Array)).toBe("old");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("aborts a write still queued behind another one without disturbing the order", async () => {
    vi.useFakeTimers();
    const sink = createMemorySink({ latencyMs: 100 });
    const first = sink.write("a", [bytes("1")]);
    const controller = new AbortController();
    const second = rejection(sink.write("a", [bytes("2")], { signal: controller.signal }));
    const third = sink.write("a", [bytes("3")]);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    expect((await second).code).toBe("ERR_ABORTED");
    await vi.advanceTimersByTimeAsync(10);
    expect(sink.keys()).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    await first;
    expect(text(sink.snapshot().get("a") as Uint8Array)).toBe("1");
    await vi.advanceTimersByTimeAsync(100);
    await third;
    expect(text(sink.snapshot().get("a") as Uint8Array)).toBe("3");
  });

  it("serializes writes per target in call order; the last call wins", async () => {
    vi.useFakeTimers();
    const delays = [300, 10, 50];
    const seen: MemorySinkLatencyInfo[] = [];
    const sink = createMemorySink({
      latencyMs: (op, info) => {
        expect(op).toBe(info.op);
        seen.push(info);
        return info.op === "write" ? (delays.shift() ?? 0) : 0;
      },
    });
    const finished: string[] = [];
    const writes = ["first", "second", "third"].map((name) =>
      sink.write("a", [bytes(name)]).then(() => finished.push(name)),
    );
    expect(sink.stats().pending).toBe(3);
    await vi.advanceTimersByTimeAsync(299);
    expect(finished).toEqual([]);
    expect(sink.keys()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(finished).toEqual(["first"]);
    await vi.advanceTimersByTimeAsync(60);
    await Promise.all(writes);
    expect(finished).toEqual(["first", "second", "third"]);
    expect(text(await sink.read("a"))).toBe("third");
    expect(seen.slice(0, 3)).toEqual([
      { op: "write", target: "a", bytes: 5 },
      { op: "write", target: "a", bytes: 6 },
      { op: "write", target: "a", bytes: 5 },
    ]);
    expect(sink.stats()).toMatchObject({ writes: 3, pending: 0, bytes: 16 });
  });

  it("does not serialize different targets against each other", async () => {
    vi.useFakeTimers();
    const sink = createMemorySink({
      latencyMs: (_op, info) => (info.target === "slow" ? 1000 : 10),
    });
    const slow = sink.write("slow", [bytes("s")]);
    const fast = sink.write("fast", [bytes("f")]);
    await vi.advanceTimersByTimeAsync(10);
    await fast;
    expect(sink.keys()).toEqual(["fast"]);
    await vi.advanceTimersByTimeAsync(990);
    await slow;
    expect(sink.keys()).toEqual(["fast", "slow"]);
  });

  it("uses an injected clock for latency", async () => {
    const clock = createManualClock();
    const sink = createMemorySink({ latencyMs: 25, clock });
    let done = false;
    const writing = sink.write("a", [bytes("x")]).then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending).toBe(1);
    clock.advance(24);
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    clock.advance(1);
    await writing;
    expect(done).toBe(true);
  });

  it("keeps the previous version as backup when asked", async () => {
    const withBackup = createMemorySink({ backup: true });
    await withBackup.write("a", [bytes("v1")]);
    await withBackup.write("a", [bytes("v2")]);
    await withBackup.write("a", [bytes("v3")]);
    expect(text(await withBackup.read("a"))).toBe("v3");
    expect(text(await withBackup.read("a", { from: "backup" }))).toBe("v2");

    const without = createMemorySink();
    await without.write("a", [bytes("v1")]);
    await without.write("a", [bytes("v2")]);
    expect((await rejection(without.read("a", { from: "backup" }))).code).toBe("ERR_NOT_FOUND");
  });

  it("does not rotate the backup when a write fails", async () => {
    const sink = createMemorySink({ backup: true });
    await sink.write("a", [bytes("v1")]);
    await sink.write("a", [bytes("v2")]);
    function* failing() {
      yield bytes("v3");
      throw new Error("nope");
    }
    await rejection(sink.write("a", failing()));
    expect(text(await sink.read("a"))).toBe("v2");
    expect(text(await sink.read("a", { from: "backup" }))).toBe("v1");
  });

  it("quarantines the primary under a unique corrupt key", async () => {
    const clock = createManualClock(1_700_000_000_000);
    const sink = createMemorySink({ backup: true, clock });
    await sink.write("dir/a.json", [bytes("good")]);
    await sink.write("dir/a.json", [bytes("bad-1")]);
    const first = await sink.quarantine("dir/a.json", "decode failed");
    expect(first).toBe("dir/a.json.corrupt-1700000000000");
    expect((await rejection(sink.read("dir/a.json"))).code).toBe("ERR_NOT_FOUND");
    expect(text(await sink.read(first))).toBe("bad-1");
    expect(text(await sink.read("dir/a.json", { from: "backup" }))).toBe("good");

    await sink.write("dir/a.json", [bytes("bad-2")]);
    const second = await sink.quarantine("dir/a.json", "again");
    expect(second).toBe("dir/a.json.corrupt-1700000000000-1");
    expect(text(await sink.read(second))).toBe("bad-2");
    expect(sink.quarantined()).toEqual([
      { target: "dir/a.json", key: first, reason: "decode failed", at: 1_700_000_000_000 },
      { target: "dir/a.json", key: second, reason: "again", at: 1_700_000_000_000 },
    ]);
    expect(sink.stats().quarantines).toBe(2);
  });

  it("rejects quarantine of a missing target with ERR_NOT_FOUND", async () => {
    const sink = createMemorySink();
    expect((await rejection(sink.quarantine("missing", "why"))).code).toBe("ERR_NOT_FOUND");
  });

  it("quarantines only after a queued write finished", async () => {
    vi.useFakeTimers();
    const sink = createMemorySink({ latencyMs: (op) => (op === "write" ? 100 : 0) });
    const writing = sink.write("a", [bytes("fresh")]);
    const moving = sink.quarantine("a", "test");
    await vi.advanceTimersByTimeAsync(100);
    await writing;
    const key = await moving;
    expect(text(await sink.read(key))).toBe("fresh");
  });

  it("loadTarget never quarantines a valid version written after the corrupt one was read", async () => {
    const sink = createMemorySink({ latencyMs: (op) => (op === "write" ? 5 : 0) });
    sink.put("a.txt", bytes("garbage"));
    // A write is queued right after loadTarget's read, before its quarantine: the quarantine runs
    // after the write and must find the new, valid version in place.
    const racing: Sink = {
      capabilities: sink.capabilities,
      write: (target, chunks, options) => sink.write(target, chunks, options),
      async read(target, options) {
        const read = await sink.read(target, options);
        void sink.write(target, [bytes("OK:fresh")]);
        return read;
      },
      quarantine: (target, reason, options) => sink.quarantine(target, reason, options),
    };
    const codec: Codec<string> = {
      name: "ok-prefix",
      *encode(value) {
        yield bytes(`OK:${value}`);
      },
      decode(data) {
        const value = text(data);
        if (!value.startsWith("OK:")) throw new PersistenceError("ERR_CORRUPT", "bad magic");
        return value.slice(3);
      },
    };
    const result = await loadTarget(racing, "a.txt", codec);
    expect(result).toMatchObject({ ok: true, value: "fresh", source: "primary" });
    expect(sink.keys()).toEqual(["a.txt"]);
    expect(sink.quarantined()).toEqual([]);
  });

  it.each(["", "/abs", "../up", "a/../b", "a//b", "a\\b", "nul\0", "C:x", "a-\uD800.json"])(
    "rejects the invalid target %j everywhere with ERR_INVALID_TARGET",
    async (target) => {
      const sink = createMemorySink();
      const onWrite = await rejection(sink.write(target, [bytes("x")]));
      expect(onWrite.code).toBe("ERR_INVALID_TARGET");
      expect(onWrite.stage).toBe("open");
      expect((await rejection(sink.read(target))).code).toBe("ERR_INVALID_TARGET");
      expect((await rejection(sink.quarantine(target, "r"))).code).toBe("ERR_INVALID_TARGET");
      expect(() => sink.put(target, bytes("x"))).toThrow(PersistenceError);
      expect(sink.keys()).toEqual([]);
    },
  );

  it("rejects a non-string target with ERR_INVALID_TARGET", async () => {
    const sink = createMemorySink();
    const error = await rejection(sink.write(7 as unknown as string, [bytes("x")]));
    expect(error.code).toBe("ERR_INVALID_TARGET");
  });

  it("fences off older generations with ERR_STALE when fencing is on", async () => {
    const sink = createMemorySink({ fencing: true });
    await sink.write("a", [bytes("g5")], { generation: 5 });
    const stale = await rejection(sink.write("a", [bytes("g4")], { generation: 4 }));
    expect(stale.code).toBe("ERR_STALE");
    expect(stale.details).toEqual({ generation: 4, stored: 5 });
    await sink.write("a", [bytes("g6")], { generation: 6 });
    expect(text(await sink.read("a"))).toBe("g6");

    const unfenced = createMemorySink();
    await unfenced.write("a", [bytes("g5")], { generation: 5 });
    await unfenced.write("a", [bytes("g4")], { generation: 4 });
    expect(text(await unfenced.read("a"))).toBe("g4");
  });

  it("close waits for queued writes and refuses later writes with ERR_CLOSED", async () => {
    vi.useFakeTimers();
    const sink = createMemorySink({ latencyMs: 50 });
    const writing = sink.write("a", [bytes("last")]);
    let closed = false;
    const closing = sink.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(49);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([writing, closing]);
    expect(closed).toBe(true);
    const error = await rejection(sink.write("a", [bytes("late")]));
    expect(error.code).toBe("ERR_CLOSED");
    expect((await rejection(sink.quarantine("a", "r"))).code).toBe("ERR_CLOSED");
    const reading = sink.read("a");
    await vi.advanceTimersByTimeAsync(50);
    expect(text(await reading)).toBe("last");
  });

  it("reports stats and inspection copies", async () => {
    const sink = createMemorySink({ backup: true });
    await sink.write("b", [bytes("12"), bytes("345")]);
    await sink.write("a", [bytes("1")]);
    await sink.write("a", [bytes("22")]);
    await sink.read("a");
    await rejection(sink.read("zzz"));
    const stats = sink.stats();
    expect(stats).toEqual({
      writes: 3,
      failures: 0,
      bytes: 8,
      chunks: 4,
      maxChunkBytes: 3,
      reads: 1,
      quarantines: 0,
      pending: 0,
      byTarget: { a: { writes: 2, bytes: 3 }, b: { writes: 1, bytes: 5 } },
    });
    expect(sink.keys()).toEqual(["a", "b"]);
    expect(sink.keys({ from: "backup" })).toEqual(["a"]);
    const snap = sink.snapshot();
    expect([...snap.entries()].map(([k, v]) => [k, text(v)])).toEqual([
      ["a", "22"],
      ["b", "12345"],
    ]);
    snap.get("a")?.fill(0);
    expect(text(await sink.read("a"))).toBe("22");
    expect(text(sink.snapshot({ from: "backup" }).get("a") as Uint8Array)).toBe("1");
  });

  it("put seeds primaries and backups with copies", async () => {
    const sink = createMemorySink({ backup: true });
    const seed = bytes("{bad");
    sink.put("a", seed);
    sink.put("a", bytes("good"), { to: "backup" });
    seed.fill(0);
    expect(text(await sink.read("a"))).toBe("{bad");
    expect(text(await sink.read("a", { from: "backup" }))).toBe("good");
    expect(sink.stats().writes).toBe(0);
  });

  it("turns a latency function that returns nonsense into a typed failure", async () => {
    const sink = createMemorySink({ latencyMs: () => -5 });
    const error = await rejection(sink.write("a", [bytes("x")]));
    expect(error.code).toBe("ERR_IO");
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(sink.keys()).toEqual([]);
  });
});

describe("await using", () => {
  it("closes the sink when the scope ends", async () => {
    let escaped: ReturnType<typeof createMemorySink> | undefined;
    {
      await using sink = createMemorySink();
      escaped = sink;
      await sink.write("a", [bytes("a")]);
    }
    const error = await rejection(escaped.write("b", [bytes("b")]));
    expect(error.code).toBe("ERR_CLOSED");
  });
});
