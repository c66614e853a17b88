import { describe, expect, it } from "vitest";
import {
  type Codec,
  isPersistenceError,
  loadTarget,
  loadTargets,
  PersistenceError,
  type Sink,
  type SinkReadOptions,
} from "../src/index.js";
import { flush } from "./support/fakes.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A sink with a primary and a backup copy of one target, recording reads and quarantines. */
function twoCopySink(primary: string, backup: string) {
  const reads: string[] = [];
  const quarantined: string[] = [];
  const files: { primary?: string; backup?: string } = { primary, backup };
  const sink: Sink = {
    capabilities: {
      atomicReplace: true,
      durable: true,
      backup: true,
      crossProcessLock: false,
      fencing: false,
    },
    write: async () => ({ bytes: 0, durable: true }),
    async read(target: string, options?: SinkReadOptions) {
      const from = options?.from ?? "primary";
      reads.push(`${target}:${from}`);
      const text = files[from];
      if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return encoder.encode(text);
    },
    async quarantine(target: string) {
      quarantined.push(target);
      files.primary = undefined;
      return `${target}.corrupt-1`;
    },
  };
  return { sink, reads, quarantined, files };
}

describe("loadTarget() and the codec's own verdict", () => {
  it("keeps a codec's PersistenceError code (ERR_STALE) and moves nothing aside", async () => {
    const stale = new PersistenceError("ERR_STALE", "cache expired", {
      details: { expiredAt: 5 },
    });
    const codec: Codec<string> = {
      name: "expiring",
      *encode() {},
      decode(): string {
        throw stale;
      },
    };
    const { sink, reads, quarantined, files } = twoCopySink("cached", "older");
    const result = await loadTarget(sink, "cache.json", codec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe(stale);
    expect(result.error.code).toBe("ERR_STALE");
    expect(result.quarantinedTo).toBeUndefined();
    expect(quarantined).toEqual([]);
    expect(files.primary).toBe("cached");
    // The codec judged the data, not the copy: an older backup is no better.
    expect(reads).toEqual(["cache.json:primary"]);
  });

  it("still quarantines for the codec's ERR_CORRUPT", async () => {
    const codec: Codec<string> = {
      name: "strict",
      *encode() {},
      decode(bytes): string {
        const text = decoder.decode(bytes);
        if (text !== "good") {
          throw new PersistenceError("ERR_CORRUPT", "bad", { details: { offset: 0 } });
        }
        return text;
      },
    };
    const { sink, quarantined } = twoCopySink("bad", "good");
    const result = await loadTarget(sink, "t", codec);
    expect(result).toMatchObject({ ok: true, source: "backup", value: "good" });
    expect(quarantined).toEqual(["t"]);
  });
});

describe("loadTarget() with a decode() that returns a promise", () => {
  function asyncCodec(outcome: "resolve" | "reject"): Codec<string> {
    return {
      name: "async",
      *encode() {},
      // A mistake the type system lets through with a cast or from JavaScript.
      decode: ((bytes: Uint8Array) =>
        outcome === "resolve"
          ? Promise.resolve(decoder.decode(bytes))
          : Promise.reject(new Error("validation failed"))) as unknown as (
        bytes: Uint8Array,
      ) => string,
    };
  }

  it("refuses the promise with a typed error instead of ok: true with a Promise value", async () => {
    const { sink, quarantined, files } = twoCopySink("data", "older");
    const result = await loadTarget(sink, "t", asyncCodec("resolve"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isPersistenceError(result.error, "ERR_CORRUPT")).toBe(true);
    expect(result.error.details).toMatchObject({ reason: "decoder-returned-promise" });
    expect(result.error.message).toMatch(/synchronous/);
    expect(quarantined).toEqual([]);
    expect(files.primary).toBe("data");
  });

  it("never lets the promise's rejection become an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      const { sink } = twoCopySink("data", "older");
      const [result] = await loadTargets([{ sink, target: "t", codec: asyncCodec("reject") }]);
      expect(result.ok).toBe(false);
      await flush(20);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
