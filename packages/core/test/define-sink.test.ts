import { describe, expect, it, vi } from "vitest";
import type { SinkCapabilities, SinkWriteOptions } from "../src/index.js";
import { isPersistenceError } from "../src/index.js";
import * as kit from "../src/sink-kit/index.js";
import { defineSink, type SinkDefinition } from "../src/sink-kit/index.js";
import { deferred, flush } from "./support/fakes.js";

const CAPABILITIES: SinkCapabilities = {
  atomicReplace: true,
  durable: false,
  backup: false,
  crossProcessLock: false,
  fencing: false,
};

interface Recorder {
  readonly log: string[];
  readonly definition: SinkDefinition;
}

/** Steps that record every call and hold each write until its gate opens. */
function recorder(gates: Map<string, Promise<void>> = new Map()): Recorder {
  const log: string[] = [];
  const stored = new Map<string, Uint8Array>();
  const definition: SinkDefinition = {
    capabilities: CAPABILITIES,
    async writeNow(target, chunks, options: SinkWriteOptions) {
      log.push(`write ${target} ${String(options.generation)}`);
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks) parts.push(chunk);
      await gates.get(`${target}:${String(options.generation)}`);
      stored.set(target, Buffer.concat(parts));
      log.push(`wrote ${target} ${String(options.generation)}`);
      return { bytes: parts.reduce((n, part) => n + part.byteLength, 0), durable: false };
    },
    async readNow(target, options) {
      log.push(`read ${target} ${options.from}`);
      const bytes = stored.get(target);
      if (bytes === undefined) throw new Error("missing");
      return bytes;
    },
    async quarantineNow(target, reason) {
      log.push(`quarantine ${target} ${reason}`);
      return `aside/${target}`;
    },
    async closeNow() {
      log.push("closeNow");
    },
  };
  return { log, definition };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("defineSink", () => {
  it("exposes frozen capabilities and the optional quarantine only when a step is given", () => {
    const { definition } = recorder();
    const sink = defineSink(definition);
    expect(sink.capabilities).toEqual(CAPABILITIES);
    expect(Object.isFrozen(sink.capabilities)).toBe(true);
    expect(typeof sink.quarantine).toBe("function");
    const { quarantineNow: _unused, ...without } = definition;
    expect(defineSink(without).quarantine).toBeUndefined();
  });

  it("refuses invalid targets before calling a step or pulling a chunk", async () => {
    const { log, definition } = recorder();
    const sink = defineSink(definition);
    let pulled = false;
    const source = (function* () {
      pulled = true;
      yield new Uint8Array(1);
    })();
    const error = await rejection(sink.write("../x", source));
    expect(isPersistenceError(error, "ERR_INVALID_TARGET")).toBe(true);
    expect((error as { stage?: string }).stage).toBe("open");
    expect(isPersistenceError(await rejection(sink.read("/abs")), "ERR_INVALID_TARGET")).toBe(true);
    expect(
      isPersistenceError(await rejection(sink.quarantine?.("a\0b", "x") as Promise<string>)),
    ).toBe(true);
    expect(pulled).toBe(false);
    expect(log).toEqual([]);
  });

  it("rejects an already aborted write with ERR_ABORTED without calling writeNow", async () => {
    const { log, definition } = recorder();
    const sink = defineSink(definition);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const error = await rejection(sink.write("a", [new Uint8Array(1)], controller));
    expect(isPersistenceError(error, "ERR_ABORTED")).toBe(true);
    expect(log).toEqual([]);
  });

  it("runs checkTarget after the common validation and before the closed check or any chunk", async () => {
    const { log, definition } = recorder();
    const checked: string[] = [];
    const sink = defineSink({
      ...definition,
      checkTarget(target, stage) {
        checked.push(`${target} ${String(stage)}`);
        if (target.endsWith(".reserved")) throw new TypeError(`reserved ${target}`);
      },
    });
    let pulled = false;
    const source = (function* () {
      pulled = true;
      yield new Uint8Array(1);
    })();
    expect(await rejection(sink.write("x.reserved", source))).toBeInstanceOf(TypeError);
    expect(await rejection(sink.read("r.reserved"))).toBeInstanceOf(TypeError);
    expect(await rejection(sink.quarantine?.("q.reserved", "x") as Promise<string>)).toBeInstanceOf(
      TypeError,
    );
    expect(isPersistenceError(await rejection(sink.read("../up")), "ERR_INVALID_TARGET")).toBe(
      true,
    );
    await sink.close();
    expect(await rejection(sink.write("y.reserved", [new Uint8Array(1)]))).toBeInstanceOf(
      TypeError,
    );
    expect(checked).toEqual([
      "x.reserved open",
      "r.reserved undefined",
      "q.reserved undefined",
      "y.reserved open",
    ]);
    expect(pulled).toBe(false);
    expect(log).toEqual(["closeNow"]);
  });

  it("rejects writes aborted before their turn with the definition's abortError", async () => {
    const first = deferred();
    const { log, definition } = recorder(new Map([["t:1", first.promise]]));
    const sink = defineSink({
      ...definition,
      abortError: (target, signal) => new RangeError(`${target}: ${String(signal.reason)}`),
    });
    const early = await rejection(
      sink.write("t", [new Uint8Array(1)], { signal: AbortSignal.abort("now") }),
    );
    expect(early).toEqual(new RangeError("t: now"));
    const a = sink.write("t", [new Uint8Array([1])], { generation: 1 });
    const controller = new AbortController();
    const b = sink.write("t", [new Uint8Array([2])], { generation: 2, signal: controller.signal });
    controller.abort("queued");
    expect(await rejection(b)).toEqual(new RangeError("t: queued"));
    first.resolve();
    await a;
    expect(log).toEqual(["write t 1", "wrote t 1"]);
  });

  it("runs writes of one target one at a time in call order and the last call wins", async () => {
    const first = deferred();
    const gates = new Map([["t:1", first.promise]]);
    const { log, definition } = recorder(gates);
    const sink = defineSink(definition);
    const a = sink.write("t", [new Uint8Array([1])], { generation: 1 });
    const b = sink.write("t", [new Uint8Array([2])], { generation: 2 });
    const other = sink.write("u", [new Uint8Array([3])], { generation: 1 });
    await other;
    await flush();
    expect(log).toEqual(["write t 1", "write u 1", "wrote u 1"]);
    first.resolve();
    await Promise.all([a, b]);
    expect(log.slice(3)).toEqual(["wrote t 1", "write t 2", "wrote t 2"]);
    expect([...(await sink.read("t"))]).toEqual([2]);
  });

  it("drops a queued write whose signal aborts before its turn", async () => {
    const first = deferred();
    const { log, definition } = recorder(new Map([["t:1", first.promise]]));
    const sink = defineSink(definition);
    const a = sink.write("t", [new Uint8Array([1])], { generation: 1 });
    const controller = new AbortController();
    const b = sink.write("t", [new Uint8Array([2])], { generation: 2, signal: controller.signal });
    controller.abort();
    expect(isPersistenceError(await rejection(b), "ERR_ABORTED")).toBe(true);
    first.resolve();
    await a;
    expect(log).toEqual(["write t 1", "wrote t 1"]);
  });

  it("passes read's `from` with its default and refuses an unknown one", async () => {
    const { log, definition } = recorder();
    const sink = defineSink(definition);
    await sink.write("t", [new Uint8Array([1])]);
    await sink.read("t");
    await sink.read("t", { from: "backup" });
    expect(log.slice(2)).toEqual(["read t primary", "read t backup"]);
    await expect(sink.read("t", { from: "side" as "backup" })).rejects.toThrow(TypeError);
  });

  it("closes once: waits for queued writes, runs closeNow once, then refuses with ERR_CLOSED", async () => {
    const gate = deferred();
    const { log, definition } = recorder(new Map([["t:1", gate.promise]]));
    const sink = defineSink(definition);
    const pending = sink.write("t", [new Uint8Array([1])], { generation: 1 });
    const closed = sink.close();
    const again = sink[Symbol.asyncDispose]();
    await flush();
    expect(log).toEqual(["write t 1"]);
    gate.resolve();
    await Promise.all([pending, closed, again]);
    expect(log).toEqual(["write t 1", "wrote t 1", "closeNow"]);
    for (const call of [
      sink.write("t", [new Uint8Array([2])]),
      sink.read("t"),
      sink.quarantine?.("t", "x") as Promise<string>,
    ]) {
      expect(isPersistenceError(await rejection(call), "ERR_CLOSED")).toBe(true);
    }
    expect(log.filter((line) => line === "closeNow")).toHaveLength(1);
  });

  it("close({ timeoutMs }) gives up on a hung write with ERR_TIMEOUT, stays closed, and checks its options", async () => {
    vi.useFakeTimers();
    try {
      const gate = deferred();
      const { log, definition } = recorder(new Map([["t:1", gate.promise]]));
      const sink = defineSink(definition);
      const pending = sink.write("t", [new Uint8Array([1])], { generation: 1 });
      const timed = rejection(sink.close({ timeoutMs: 500 }));
      await vi.advanceTimersByTimeAsync(499);
      expect(log).toEqual(["write t 1"]);
      await vi.advanceTimersByTimeAsync(1);
      const error = await timed;
      expect(isPersistenceError(error, "ERR_TIMEOUT")).toBe(true);
      expect(error).toMatchObject({ details: { timeoutMs: 500 } });
      expect(
        isPersistenceError(await rejection(sink.write("t", [new Uint8Array([2])])), "ERR_CLOSED"),
      ).toBe(true);
      // The write in flight ends on its own; a later close() waits for it and closes once.
      const closed = sink.close();
      gate.resolve();
      await Promise.all([pending, closed]);
      expect(log).toEqual(["write t 1", "wrote t 1", "closeNow"]);
      await expect(sink.close({ timeoutMs: 0 })).resolves.toBeUndefined();
      await expect(sink.close({ timeoutMs: -1 })).rejects.toThrow(RangeError);
      await expect(sink.close({ timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
      await expect(sink.close({ timeoutMs: 2 ** 31 })).rejects.toThrow(RangeError);
      await expect(sink.close({ timeout: 5 } as never)).rejects.toThrow(/unknown option "timeout"/);
      await expect(sink.close(5 as never)).rejects.toThrow(TypeError);
      await expect(sink.close([] as never)).rejects.toThrow(TypeError);
      await expect(sink.close({ timeoutMs: Number.POSITIVE_INFINITY })).resolves.toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps read working after close with readAfterClose, and only read", async () => {
    const { log, definition } = recorder();
    const sink = defineSink({ ...definition, readAfterClose: true });
    await sink.write("t", [new Uint8Array([7])]);
    await sink.close();
    expect([...(await sink.read("t"))]).toEqual([7]);
    expect(log).toContain("read t primary");
    const write = sink.write("t", [new Uint8Array([8])]);
    expect(isPersistenceError(await rejection(write), "ERR_CLOSED")).toBe(true);
  });

  it("hands `expected` to quarantineNow with checksExpected instead of reading back", async () => {
    const { log, definition } = recorder();
    const seen: unknown[] = [];
    const sink = defineSink({
      ...definition,
      checksExpected: true,
      async quarantineNow(target, reason, options) {
        seen.push(options.expected);
        return definition.quarantineNow?.(target, reason, options) as Promise<string>;
      },
    });
    const expected = new Uint8Array([1, 2]);
    // Nothing stored: the default read-back would refuse; the step decides here.
    expect(await sink.quarantine?.("t", "bad", { expected })).toBe("aside/t");
    expect(seen).toEqual([expected]);
    expect(log).toEqual(["quarantine t bad"]);
  });

  it("passes no `expected` to quarantineNow by default and checks it itself", async () => {
    const { definition } = recorder();
    const seen: unknown[] = [];
    const sink = defineSink({
      ...definition,
      async quarantineNow(target, _reason, options) {
        seen.push(options);
        return `aside/${target}`;
      },
    });
    await sink.write("t", [new Uint8Array([1])]);
    await sink.quarantine?.("t", "bad", { expected: new Uint8Array([1]) });
    expect(seen).toEqual([{}]);
    const stale = sink.quarantine?.("t", "bad", { expected: new Uint8Array([2]) });
    expect(isPersistenceError(await rejection(stale as Promise<string>), "ERR_STALE")).toBe(true);
  });

  it("refuses an `expected` that is not bytes with a TypeError", async () => {
    const { definition } = recorder();
    const sink = defineSink(definition);
    const call = sink.quarantine?.("t", "x", { expected: "ab" as unknown as Uint8Array });
    expect(await rejection(call as Promise<string>)).toBeInstanceOf(TypeError);
  });

  it("refuses a definition with a missing step or capability with a TypeError", () => {
    const { definition } = recorder();
    expect(() => defineSink({ ...definition, readNow: undefined as never })).toThrow(TypeError);
    const { fencing: _unused, ...partial } = CAPABILITIES;
    expect(() =>
      defineSink({ ...definition, capabilities: partial as unknown as SinkCapabilities }),
    ).toThrow(/capabilities.fencing/);
    expect(() => defineSink({ ...definition, readAfterClose: "yes" as never })).toThrow(TypeError);
    expect(() => defineSink({ ...definition, checksExpected: 1 as never })).toThrow(TypeError);
    expect(() => defineSink({ ...definition, checkTarget: true as never })).toThrow(TypeError);
    expect(() => defineSink({ ...definition, abortError: "x" as never })).toThrow(TypeError);
  });

  it("assertKnownNestedOptions checks the nested objects it names, with their prefix", () => {
    const nested = { rotate: ["maxBytes"], durability: ["intervalMs"] };
    expect(() =>
      kit.assertKnownNestedOptions("openX", { rotate: { maxBytes: 1 }, durability: "os" }, nested),
    ).not.toThrow();
    expect(() =>
      kit.assertKnownNestedOptions("openX", { durability: { interval: 5 } }, nested),
    ).toThrow(
      new TypeError('openX: unknown option "durability.interval"; known: durability.intervalMs'),
    );
    // Keys outside `nested` are not its business (assertKnownOptions checks the top level).
    expect(() => kit.assertKnownNestedOptions("openX", { other: { x: 1 } }, nested)).not.toThrow();
  });

  it("re-exports the author helpers", () => {
    for (const name of [
      "assertValidTarget",
      "createSerialQueue",
      "raceAbort",
      "toPersistenceError",
      "osErrorCode",
      "systemClock",
      "LongTimer",
      "assertKnownOptions",
      "assertKnownNestedOptions",
    ]) {
      expect(kit).toHaveProperty(name);
    }
  });
});
