import { describe, expect, it } from "vitest";
import {
  type Codec,
  createPersistenceWriter,
  isPersistenceError,
  PersistenceError,
  type Sink,
  type WriteFailed,
} from "../src/index.js";
import { FakeClock, FakeSink, flush } from "./support/fakes.js";
import { setup } from "./support/setup.js";

const encoder = new TextEncoder();

/** A codec that yields `before` chunks, then throws `error`. */
function breakingCodec(before: number, error: unknown): Codec<string> {
  return {
    name: "breaking",
    *encode(value: string) {
      for (let i = 0; i < before; i++) yield encoder.encode(`${value}-${i};`);
      throw error;
    },
    decode: () => "",
  };
}

async function firstResult(
  sink: Sink,
  codec: Codec<string>,
  executor: "inline" | "sliced" = "inline",
  snapshot: () => string = () => "value",
): Promise<WriteFailed> {
  const clock = new FakeClock();
  const writer = createPersistenceWriter({ sink, clock, executor });
  const handle = writer.register("t", { snapshot, codec, debounceMs: 0, maxDelayMs: 0 });
  const ticket = handle.request("r");
  await clock.advance(0);
  const result = await ticket.settled;
  expect(result.ok).toBe(false);
  return result as WriteFailed;
}

describe("snapshot and encode exceptions", () => {
  it("turns a throwing snapshot() into ERR_SNAPSHOT with the original as cause", async () => {
    const original = new Error("state is broken");
    const sink = new FakeSink();
    const result = await firstResult(sink, breakingCodec(0, new Error("unused")), "inline", () => {
      throw original;
    });
    expect(result.stage).toBe("snapshot");
    expect(result.error.code).toBe("ERR_SNAPSHOT");
    expect(result.error.stage).toBe("snapshot");
    expect(result.error.cause).toBe(original);
    expect(result.willRetry).toBe(false);
    expect(result.generation).toBe(1);
    expect(sink.calls).toHaveLength(0);
  });

  it("wraps a snapshot() that throws a PersistenceError too", async () => {
    const original = new PersistenceError("ERR_IO", "inner");
    const result = await firstResult(new FakeSink(), breakingCodec(0, 1), "inline", () => {
      throw original;
    });
    expect(result.error.code).toBe("ERR_SNAPSHOT");
    expect(result.error.cause).toBe(original);
  });

  it("turns an encode() that throws synchronously into ERR_ENCODE", async () => {
    const original = new TypeError("cannot encode");
    const codec: Codec<string> = {
      name: "sync-throw",
      encode: () => {
        throw original;
      },
      decode: () => "",
    };
    const result = await firstResult(new FakeSink(), codec);
    expect(result).toMatchObject({ stage: "encode", willRetry: false });
    expect(result.error.code).toBe("ERR_ENCODE");
    expect(result.error.cause).toBe(original);
  });

  it.each(["inline", "sliced"] as const)(
    "classifies a codec throwing midway while the %s sink pulls as encode",
    async (executor) => {
      const original = new RangeError("record 3 is too long");
      const sink = new FakeSink();
      const result = await firstResult(sink, breakingCodec(3, original), executor);
      expect(result.stage).toBe("encode");
      expect(result.error.code).toBe("ERR_ENCODE");
      expect(result.error.stage).toBe("encode");
      expect(result.error.cause).toBe(original);
      expect(sink.written).toHaveLength(0);
      expect(sink.calls).toHaveLength(1);
    },
  );

  it("classifies it as encode when the sink wraps the codec's error in its own", async () => {
    const original = new Error("codec bug");
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      async write(target, chunks) {
        try {
          for await (const _ of chunks) {
            // drain
          }
        } catch (error) {
          throw new PersistenceError("ERR_IO", "chunk source failed", {
            stage: "write",
            target,
            cause: error,
          });
        }
        return { bytes: 0, durable: true };
      },
      read: async () => new Uint8Array(),
    };
    const result = await firstResult(sink, breakingCodec(1, original));
    expect(result.stage).toBe("encode");
    expect(result.error.code).toBe("ERR_ENCODE");
    expect(result.error.cause).toBe(original);
  });

  it("reports a failure when the sink swallows the codec's error and resolves", async () => {
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      async write(_target, chunks) {
        try {
          for await (const _ of chunks) {
            // drain
          }
        } catch {
          // a buggy sink
        }
        return { bytes: 1, durable: true };
      },
      read: async () => new Uint8Array(),
    };
    const result = await firstResult(sink, breakingCodec(1, new Error("x")));
    expect(result.error.code).toBe("ERR_ENCODE");
  });

  it("reports ERR_IO when a sink resolves without consuming every chunk", async () => {
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      write: async () => ({ bytes: 0, durable: true }),
      read: async () => new Uint8Array(),
    };
    const result = await firstResult(sink, breakingCodec(2, new Error("never reached")));
    expect(result).toMatchObject({ stage: "write", willRetry: true });
    expect(result.error.code).toBe("ERR_IO");
  });

  it("rejects a chunk that is not a Uint8Array as an encode error", async () => {
    const codec = {
      name: "strings",
      *encode() {
        yield "not bytes";
      },
      decode: () => "",
    } as unknown as Codec<string>;
    const result = await firstResult(new FakeSink(), codec);
    expect(result.error.code).toBe("ERR_ENCODE");
    expect(result.error.cause).toBeInstanceOf(TypeError);
  });

  it("closes the codec's generator when the sink stops pulling early", async () => {
    let finalized = false;
    const codec: Codec<string> = {
      name: "finalizing",
      *encode() {
        try {
          for (let i = 0; i < 10; i++) yield encoder.encode("x");
        } finally {
          finalized = true;
        }
      },
      decode: () => "",
    };
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      async write(_t, chunks) {
        for await (const _ of chunks) break;
        throw new PersistenceError("ERR_NO_SPACE", "full", { stage: "write" });
      },
      read: async () => new Uint8Array(),
    };
    const result = await firstResult(sink, codec);
    expect(result.error.code).toBe("ERR_NO_SPACE");
    expect(finalized).toBe(true);
  });
});

describe("sink errors", () => {
  it("keeps a sink PersistenceError's code and stage", async () => {
    const { clock, sink, handle } = setup();
    const error = new PersistenceError("ERR_LOCKED", "held by pid 7", { stage: "lock" });
    sink.steps.push({ kind: "fail", error });
    const ticket = handle.request("x");
    await clock.advance(100);
    const result = (await ticket.settled) as WriteFailed;
    expect(result.error).toBe(error);
    expect(result.stage).toBe("lock");
    expect(result.willRetry).toBe(true);
  });

  it.each([
    ["ENOSPC", "ERR_NO_SPACE"],
    ["EDQUOT", "ERR_NO_SPACE"],
    ["EACCES", "ERR_PERMISSION"],
    ["EPERM", "ERR_PERMISSION"],
    ["EROFS", "ERR_PERMISSION"],
    ["EBUSY", "ERR_BUSY"],
    ["EAGAIN", "ERR_BUSY"],
    ["EMFILE", "ERR_BUSY"],
    ["ENFILE", "ERR_BUSY"],
    ["ENOENT", "ERR_IO"],
    ["EIO", "ERR_IO"],
  ])("maps a plain %s from the sink to %s at stage write", async (osCode, code) => {
    const { clock, sink, handle } = setup();
    const original = Object.assign(new Error(`${osCode}: failed`), { code: osCode });
    sink.steps.push({ kind: "fail", error: original });
    const ticket = handle.request("x");
    await clock.advance(100);
    const result = (await ticket.settled) as WriteFailed;
    expect(result.stage).toBe("write");
    expect(result.error.code).toBe(code);
    expect(result.error.stage).toBe("write");
    expect(result.error.cause).toBe(original);
    expect(result.error.target).toBe("state.txt");
  });

  it("maps a thrown non-error value to ERR_IO", async () => {
    const { clock, sink, handle } = setup();
    sink.steps.push({ kind: "fail", error: "a string" });
    const ticket = handle.request("x");
    await clock.advance(100);
    const result = (await ticket.settled) as WriteFailed;
    expect(result.error.code).toBe("ERR_IO");
    expect(result.error.cause).toBe("a string");
  });

  it("maps a sink whose write() throws synchronously", async () => {
    const clock = new FakeClock();
    const original = new Error("sync");
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      write: () => {
        throw original;
      },
      read: async () => new Uint8Array(),
    };
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    const handle = writer.register("t", {
      snapshot: () => "",
      codec: { name: "c", *encode() {}, decode: () => "" },
    });
    const result = await handle.saveNow("now");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(isPersistenceError(result.error, "ERR_IO")).toBe(true);
      expect(result.error.cause).toBe(original);
    }
    const closing = writer.close({ timeoutMs: 0 });
    await clock.advance(0);
    expect((await closing).targets[0]?.outcome).toBe("timed-out");
  });

  it("never lets a failure escape as an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { clock, sink, handle } = setup();
      sink.steps.push({ kind: "fail", error: new Error("x") });
      handle.request("x");
      await clock.advance(100);
      await flush(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

/** A JSON codec: it encodes whatever it is given, a promise object included (as `{}`). */
function jsonCodec<T>(): Codec<T> {
  return {
    name: "json",
    *encode(value: T) {
      yield encoder.encode(JSON.stringify(value));
    },
    decode: (bytes) => JSON.parse(new TextDecoder().decode(bytes)) as T,
  };
}

async function withUnhandledRejections(run: (seen: unknown[]) => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    await run(seen);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
}

describe("snapshot() and encode() that return the wrong kind of value", () => {
  it("fails an async snapshot() with ERR_SNAPSHOT instead of overwriting good data with {}", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
    const state = { files: ["a", "b"] };
    let snapshot: () => unknown = () => state;
    const handle = writer.register("t", {
      snapshot: () => snapshot(),
      codec: jsonCodec<unknown>(),
      debounceMs: 0,
      maxDelayMs: 0,
    });
    expect((await handle.saveNow("good")).ok).toBe(true);
    expect(new TextDecoder().decode(sink.files.get("t"))).toBe('{"files":["a","b"]}');
    snapshot = async () => state;
    const result = (await handle.saveNow("async")) as WriteFailed;
    expect(result.ok).toBe(false);
    expect(result.stage).toBe("snapshot");
    expect(result.error.code).toBe("ERR_SNAPSHOT");
    expect(result.error.stage).toBe("snapshot");
    expect(result.error.message).toMatch(/must return the value synchronously/);
    expect(result.willRetry).toBe(false);
    expect(sink.calls).toHaveLength(1);
    expect(new TextDecoder().decode(sink.files.get("t"))).toBe('{"files":["a","b"]}');
    expect(handle.state).toMatchObject({ durableGeneration: 1, unsaved: true });
  });

  it("treats any thenable as a promise, and never lets a rejecting one go unhandled", async () => {
    await withUnhandledRejections(async (seen) => {
      const handlers: unknown[] = [];
      const thenable = {
        // biome-ignore lint/suspicious/noThenProperty: a custom thenable on purpose
        then: (_ok: unknown, fail: unknown) => handlers.push(fail),
        files: [],
      };
      for (const snapshot of [
        () => thenable,
        () => Promise.reject(new Error("state unavailable")),
      ]) {
        const sink = new FakeSink();
        const result = await firstResult(
          sink,
          jsonCodec(),
          "inline",
          snapshot as unknown as () => string,
        );
        expect(result).toMatchObject({ stage: "snapshot", willRetry: false });
        expect(result.error.code).toBe("ERR_SNAPSHOT");
        expect(sink.calls).toHaveLength(0);
      }
      await flush(20);
      expect(seen).toEqual([]);
      expect(handlers).toEqual([expect.any(Function)]);
    });
  });

  it("still accepts values that merely look odd: a strict proxy, a then that is no function", async () => {
    const strict = new Proxy(
      { a: 1 },
      {
        get(target, key) {
          if (!(key in target) && key !== "toJSON") throw new Error(`no ${String(key)}`);
          return Reflect.get(target, key);
        },
      },
    );
    // biome-ignore lint/suspicious/noThenProperty: a then that is no method, on purpose
    const notThenable = { then: 5 };
    for (const value of [notThenable, strict]) {
      const clock = new FakeClock();
      const sink = new FakeSink();
      const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
      const handle = writer.register("t", { snapshot: () => value, codec: jsonCodec<unknown>() });
      expect((await handle.saveNow("odd")).ok).toBe(true);
      expect(JSON.parse(new TextDecoder().decode(sink.files.get("t")))).toEqual(
        JSON.parse(JSON.stringify(value)),
      );
    }
  });

  it.each([
    ["undefined", () => undefined, /got undefined/],
    ["a number", () => 42, /got number/],
    ["a plain object", () => ({ chunks: [] }), /got an object \(Object\)/],
    ["a promise (async encode)", () => Promise.reject(new Error("late")), /got a promise/],
    [
      "an async generator",
      async function* () {
        yield encoder.encode("x");
      },
      /async iterable/,
    ],
  ])(
    "fails an encode() that returns %s with ERR_ENCODE before the sink starts",
    async (_name, encode, message) => {
      await withUnhandledRejections(async (seen) => {
        const sink = new FakeSink();
        const codec = { name: "bad", encode, decode: () => "" } as unknown as Codec<string>;
        const result = await firstResult(sink, codec);
        expect(result.stage).toBe("encode");
        expect(result.error.code).toBe("ERR_ENCODE");
        expect(result.error.stage).toBe("encode");
        expect(result.error.message).toMatch(/must return an iterable of Uint8Array/);
        expect(result.error.message).toMatch(message);
        expect(result.error.cause).toBeInstanceOf(TypeError);
        expect(result.willRetry).toBe(false);
        expect(sink.calls).toHaveLength(0);
        await flush(20);
        expect(seen).toEqual([]);
      });
    },
  );
});
