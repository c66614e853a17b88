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
import { deferred } from "./support/fakes.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Decodes `OK:<text>`; anything else is corrupt at offset 0. */
const strictCodec: Codec<string> = {
  name: "strict",
  *encode(value: string) {
    yield encoder.encode(`OK:${value}`);
  },
  decode(bytes: Uint8Array): string {
    const text = decoder.decode(bytes);
    if (!text.startsWith("OK:")) {
      throw new PersistenceError("ERR_CORRUPT", "bad magic", {
        details: { offset: 0, reason: "bad magic" },
      });
    }
    return text.slice(3);
  },
};

const oopsCodec: Codec<string> = {
  name: "oops",
  *encode() {},
  decode(): string {
    throw new SyntaxError("Unexpected token");
  },
};

type Stored = string | Error | undefined;

/** A sink with a primary and a backup copy per target, and a quarantine that records calls. */
function fileSink(files: Record<string, { primary?: Stored; backup?: Stored }>, backup = true) {
  const reads: string[] = [];
  const quarantined: string[] = [];
  const sink: Sink & { reads: string[]; quarantined: string[] } = {
    reads,
    quarantined,
    capabilities: {
      atomicReplace: true,
      durable: true,
      backup,
      crossProcessLock: false,
      fencing: false,
    },
    write: async () => ({ bytes: 0, durable: true }),
    async read(target: string, options?: SinkReadOptions) {
      const from = options?.from ?? "primary";
      reads.push(`${target}:${from}`);
      const entry = files[target]?.[from];
      if (entry === undefined)
        throw Object.assign(new Error(`ENOENT: ${target}`), { code: "ENOENT" });
      if (entry instanceof Error) throw entry;
      return encoder.encode(entry);
    },
    async quarantine(target: string, reason: string) {
      quarantined.push(`${target}:${reason}`);
      const entry = files[target];
      if (entry !== undefined) entry.primary = undefined;
      return `${target}.corrupt-1700000000000`;
    },
  };
  return sink;
}

/**
 * A sink whose primary is replaced by `versions[i + 1]` right after the i-th read, as if a write
 * landed between loadTarget's read and its quarantine; its quarantine checks `expected` like
 * sink-fs and sink-memory do.
 */
function racingSink(versions: string[]) {
  let current: string | undefined = versions[0];
  let reads = 0;
  const calls: { reason: string; expected: string | undefined }[] = [];
  const sink: Sink & { calls: typeof calls } = {
    calls,
    capabilities: {
      atomicReplace: true,
      durable: true,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    },
    write: async () => ({ bytes: 0, durable: true }),
    async read() {
      const seen = current;
      reads += 1;
      current = versions[reads] ?? current;
      if (seen === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return encoder.encode(seen);
    },
    async quarantine(target, reason, options) {
      const expected =
        options?.expected === undefined ? undefined : decoder.decode(options.expected);
      calls.push({ reason, expected });
      if (expected !== undefined && expected !== current) {
        throw new PersistenceError("ERR_STALE", "changed", {
          target,
          details: { reason: "changed" },
        });
      }
      current = undefined;
      return `${target}.corrupt-1`;
    },
  };
  return sink;
}

describe("loadTarget() racing a write", () => {
  it("never moves aside a valid file written after the corrupt one was read", async () => {
    const sink = racingSink(["garbage", "OK:fresh"]);
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toEqual({ ok: true, value: "fresh", source: "primary", bytes: 8 });
    expect(sink.calls).toEqual([{ reason: "bad magic", expected: "garbage" }]);
  });

  it("re-reads once and quarantines the newer version when it is corrupt too", async () => {
    const sink = racingSink(["garbage", "more garbage"]);
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CORRUPT" } });
    expect(result.quarantinedTo).toBe("t.corrupt-1");
    expect(result.quarantineError).toBeUndefined();
    expect(sink.calls.map((call) => call.expected)).toEqual(["garbage", "more garbage"]);
  });

  it("gives up after one re-read when the file keeps changing", async () => {
    const sink = racingSink(["bad 1", "bad 2", "bad 3"]);
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CORRUPT" } });
    expect(result.quarantinedTo).toBeUndefined();
    expect(result.quarantineError?.code).toBe("ERR_STALE");
    expect(sink.calls).toHaveLength(2);
  });
});

describe("loadTarget()", () => {
  it("decodes the primary", async () => {
    const sink = fileSink({ t: { primary: "OK:hello", backup: "OK:old" } });
    expect(await loadTarget(sink, "t", strictCodec)).toEqual({
      ok: true,
      value: "hello",
      source: "primary",
      bytes: 8,
    });
    expect(sink.reads).toEqual(["t:primary"]);
  });

  it("reports ERR_NOT_FOUND when nothing is stored", async () => {
    const sink = fileSink({});
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("ERR_NOT_FOUND");
    expect(result.backupError?.code).toBe("ERR_NOT_FOUND");
    expect(sink.quarantined).toEqual([]);
  });

  it("keeps a sink's PersistenceError ERR_NOT_FOUND as it is", async () => {
    const error = new PersistenceError("ERR_NOT_FOUND", "none");
    const sink = fileSink({ t: { primary: error } }, false);
    expect(await loadTarget(sink, "t", strictCodec)).toEqual({
      ok: false,
      error,
      quarantinedTo: undefined,
      quarantineError: undefined,
    });
  });

  it("quarantines a corrupt primary and uses the backup when it decodes", async () => {
    const sink = fileSink({ t: { primary: "garbage", backup: "OK:previous" } });
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toMatchObject({
      ok: true,
      value: "previous",
      source: "backup",
      bytes: 11,
      quarantinedTo: "t.corrupt-1700000000000",
    });
    if (!result.ok) return;
    expect(result.primaryError?.code).toBe("ERR_CORRUPT");
    expect(result.primaryError?.details).toMatchObject({ offset: 0, reason: "bad magic" });
    expect(sink.quarantined).toEqual(["t:bad magic"]);
    expect(sink.reads).toEqual(["t:primary", "t:backup"]);
  });

  it("treats a sink's own ERR_CORRUPT on read (a failed checksum) like a corrupt decode", async () => {
    const checksum = new PersistenceError("ERR_CORRUPT", "checksum mismatch", {
      details: { offset: 3, reason: "checksum" },
    });
    const sink = fileSink({ t: { primary: checksum, backup: "OK:previous" } });
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toMatchObject({
      ok: true,
      value: "previous",
      source: "backup",
      quarantinedTo: "t.corrupt-1700000000000",
    });
    expect(result.ok && result.primaryError).toBe(checksum);
    expect(sink.reads).toEqual(["t:primary", "t:backup"]);
  });

  it("uses the backup when the primary is missing", async () => {
    const sink = fileSink({ t: { backup: "OK:previous" } });
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toMatchObject({ ok: true, value: "previous", source: "backup" });
    if (result.ok) expect(result.primaryError?.code).toBe("ERR_NOT_FOUND");
    expect(sink.quarantined).toEqual([]);
  });

  it("reports ERR_CORRUPT, the quarantine and the backup's error when both copies are corrupt", async () => {
    const sink = fileSink({ t: { primary: "bad", backup: "also bad" } });
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("ERR_CORRUPT");
    expect(result.quarantinedTo).toBe("t.corrupt-1700000000000");
    expect(result.backupError?.code).toBe("ERR_CORRUPT");
    expect(sink.quarantined).toHaveLength(1);
  });

  it("reports the backup's ERR_UNSUPPORTED when the primary is corrupt and the backup intact but newer", async () => {
    const newerCodec: Codec<string> = {
      ...strictCodec,
      decode(bytes: Uint8Array): string {
        if (decoder.decode(bytes).startsWith("V2:")) {
          throw new PersistenceError("ERR_UNSUPPORTED", "written by a newer version", {
            details: { reason: "unsupported-version" },
          });
        }
        return strictCodec.decode(bytes);
      },
    };
    const sink = fileSink({ t: { primary: "bad", backup: "V2:newer" } });
    const result = await loadTarget(sink, "t", newerCodec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("ERR_UNSUPPORTED");
    expect(result.backupError?.code).toBe("ERR_UNSUPPORTED");
    expect(result.quarantinedTo).toBe("t.corrupt-1700000000000");
  });

  it("reports the backup's ERR_CORRUPT, not ERR_NOT_FOUND, when the primary is missing and the backup corrupt", async () => {
    const sink = fileSink({ t: { backup: "bad" } });
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("ERR_CORRUPT");
  });

  it("wraps a codec's non-PersistenceError as ERR_CORRUPT with the original as cause, and moves nothing aside", async () => {
    const sink = fileSink({ t: { primary: "{" } }, false);
    const result = await loadTarget(sink, "t", oopsCodec);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe("ERR_CORRUPT");
    expect(result.error.cause).toBeInstanceOf(SyntaxError);
    expect(result.error.details).toMatchObject({
      reason: "decoder-threw",
      message: "Unexpected token",
      from: "primary",
    });
    expect(result.quarantinedTo).toBeUndefined();
    expect(sink.quarantined).toEqual([]);
  });

  it("never quarantines a good file when decode fails for a reason that is not the data's (still tries the backup)", async () => {
    // For example a JSON codec configured with an async validator throws a TypeError on any input.
    const misconfigured: Codec<string> = {
      name: "misconfigured",
      *encode() {},
      decode(): string {
        throw new TypeError("validate() returned a promise; decode is synchronous");
      },
    };
    const sink = fileSink({ t: { primary: "OK:new", backup: "OK:old" } });
    const result = await loadTarget(sink, "t", misconfigured);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.cause).toBeInstanceOf(TypeError);
    expect(sink.quarantined).toEqual([]);
    expect(result.quarantinedTo).toBeUndefined();
    expect(sink.reads).toEqual(["t:primary", "t:backup"]);
    // The primary is still where it was: a fixed codec loads it.
    expect(await loadTarget(sink, "t", strictCodec)).toMatchObject({ ok: true, value: "new" });
  });

  it.each([
    ["EACCES", "ERR_PERMISSION"],
    ["EPERM", "ERR_PERMISSION"],
    ["EIO", "ERR_IO"],
    ["EBUSY", "ERR_BUSY"],
  ])(
    "reports %s on the primary as %s without falling back to an older backup",
    async (osCode, code) => {
      const original = Object.assign(new Error(osCode), { code: osCode });
      const sink = fileSink({ t: { primary: original, backup: "OK:old" } });
      const result = await loadTarget(sink, "t", strictCodec);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(code);
      expect(result.error.cause).toBe(original);
      expect(sink.reads).toEqual(["t:primary"]);
    },
  );

  it("neither quarantines nor falls back when both are disabled", async () => {
    const sink = fileSink({ t: { primary: "bad", backup: "OK:old" } });
    const result = await loadTarget(sink, "t", strictCodec, { backup: false, quarantine: false });
    expect(result.ok).toBe(false);
    expect(sink.quarantined).toEqual([]);
    expect(sink.reads).toEqual(["t:primary"]);
  });

  it("does not ask a sink without backups for one", async () => {
    const sink = fileSink({ t: { primary: "bad", backup: "OK:old" } }, false);
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result.ok).toBe(false);
    expect(sink.reads).toEqual(["t:primary"]);
  });

  it("still loads the backup when the quarantine fails, and says so", async () => {
    const sink = fileSink({ t: { primary: "bad", backup: "OK:old" } });
    sink.quarantine = async () => {
      throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    };
    const result = await loadTarget(sink, "t", strictCodec);
    expect(result).toMatchObject({ ok: true, source: "backup", quarantinedTo: undefined });
    if (result.ok) expect(result.quarantineError?.code).toBe("ERR_PERMISSION");
  });

  it("works with a sink without quarantine()", async () => {
    const sink = fileSink({ t: { primary: "bad", backup: "OK:old" } });
    const { quarantine: _, ...rest } = sink;
    const result = await loadTarget(rest as Sink, "t", strictCodec);
    expect(result).toMatchObject({ ok: true, source: "backup", quarantinedTo: undefined });
  });

  it("throws TypeError for a missing sink or codec", async () => {
    await expect(loadTarget(undefined as never, "t", strictCodec)).rejects.toThrow(TypeError);
    await expect(loadTarget(fileSink({}), "t", {} as never)).rejects.toThrow(TypeError);
  });

  it("refuses an option key it does not know with a TypeError naming it, reading nothing", async () => {
    const sink = fileSink({ t: { primary: "OK:A" } });
    // A typo would otherwise load without the deadline the caller meant.
    await expect(loadTarget(sink, "t", strictCodec, { timeoutMS: 5 } as never)).rejects.toThrow(
      'loadTarget: unknown option "timeoutMS"; known: backup, quarantine, signal, timeoutMs',
    );
    await expect(loadTarget(sink, "t", strictCodec, null as never)).rejects.toThrow(TypeError);
    expect(sink.reads).toEqual([]);
  });
});

describe("loadTargets()", () => {
  it("returns results in input order, isolating failures", async () => {
    const sink = fileSink({
      a: { primary: "OK:A" },
      b: { primary: "broken" },
      d: { primary: "OK:D" },
    });
    const exploding: Sink = {
      ...sink,
      read: () => {
        throw new TypeError("bug in a sink");
      },
    };
    const results = await loadTargets(
      [
        { sink, target: "a", codec: strictCodec },
        { sink, target: "b", codec: strictCodec, backup: false },
        { sink, target: "c", codec: strictCodec },
        { sink: exploding, target: "x", codec: strictCodec },
        { sink, target: "d", codec: strictCodec },
      ],
      { concurrency: 2 },
    );
    expect(results.map((r) => (r.ok ? r.value : r.error.code))).toEqual([
      "A",
      "ERR_CORRUPT",
      "ERR_NOT_FOUND",
      "ERR_IO",
      "D",
    ]);
  });

  it("honours the concurrency limit", async () => {
    let active = 0;
    let maxActive = 0;
    const gates = Array.from({ length: 7 }, () => deferred());
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      write: async () => ({ bytes: 0, durable: true }),
      async read(target) {
        active++;
        maxActive = Math.max(maxActive, active);
        await gates[Number(target.slice(1))]?.promise;
        active--;
        return encoder.encode(`OK:${target}`);
      },
    };
    const specs = gates.map((_, i) => ({ sink, target: `t${i}`, codec: strictCodec }));
    const loading = loadTargets(specs, { concurrency: 2 });
    for (let i = gates.length - 1; i >= 0; i--) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(active).toBeLessThanOrEqual(2);
      gates[i]?.resolve();
    }
    for (const gate of gates) gate.resolve();
    const results = await loading;
    expect(maxActive).toBe(2);
    expect(results.map((r) => (r.ok ? r.value : "x"))).toEqual(specs.map((s) => s.target));
  });

  it("defaults to 4 at a time", async () => {
    let active = 0;
    let maxActive = 0;
    const sink: Sink = {
      capabilities: {
        atomicReplace: true,
        durable: true,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      write: async () => ({ bytes: 0, durable: true }),
      async read() {
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise<void>((resolve) => setImmediate(resolve));
        active--;
        return encoder.encode("OK:");
      },
    };
    await loadTargets(
      Array.from({ length: 10 }, (_, i) => ({ sink, target: `t${i}`, codec: strictCodec })),
    );
    expect(maxActive).toBe(4);
  });

  it("resolves to an empty array for no targets", async () => {
    expect(await loadTargets([])).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])(
    "rejects concurrency %s with a RangeError",
    async (concurrency) => {
      await expect(loadTargets([], { concurrency })).rejects.toThrow(RangeError);
    },
  );

  it("accepts concurrency Infinity", async () => {
    const sink = fileSink({ a: { primary: "OK:A" } });
    const [result] = await loadTargets([{ sink, target: "a", codec: strictCodec }], {
      concurrency: Number.POSITIVE_INFINITY,
    });
    expect(result?.ok).toBe(true);
  });

  it("rejects a malformed spec with a TypeError before loading anything", async () => {
    const sink = fileSink({ a: { primary: "OK:A" } });
    await expect(
      loadTargets([
        { sink, target: "a", codec: strictCodec },
        { sink: {} as Sink, target: "b", codec: strictCodec },
      ]),
    ).rejects.toThrow(TypeError);
    expect(sink.reads).toEqual([]);
  });

  it("refuses an unknown key of its options or of a spec with a TypeError naming it", async () => {
    const sink = fileSink({ a: { primary: "OK:A" } });
    const spec = { sink, target: "a", codec: strictCodec };
    await expect(loadTargets([spec], { timeoutMS: 5 } as never)).rejects.toThrow(
      'loadTargets: unknown option "timeoutMS"; known: concurrency, signal, timeoutMs',
    );
    await expect(loadTargets([{ ...spec, timeoutMS: 5 } as never])).rejects.toThrow(
      /^loadTargets: target "a": unknown option "timeoutMS"; known: sink, target, codec, backup, /,
    );
    await expect(loadTargets([spec], null as never)).rejects.toThrow(TypeError);
    expect(sink.reads).toEqual([]);
  });

  it("refuses a null concurrency with a TypeError, as it refuses a null timeoutMs", async () => {
    const sink = fileSink({ a: { primary: "OK:A" } });
    const spec = { sink, target: "a", codec: strictCodec };
    await expect(loadTargets([spec], { concurrency: null } as never)).rejects.toThrow(
      new TypeError("concurrency must be a number, got null"),
    );
    await expect(loadTargets([spec], { timeoutMs: null } as never)).rejects.toThrow(TypeError);
    expect(sink.reads).toEqual([]);
  });

  it("never rejects for a sink error", async () => {
    const sink = fileSink({ a: { primary: new PersistenceError("ERR_LOCKED", "locked") } });
    const [result] = await loadTargets([{ sink, target: "a", codec: strictCodec }]);
    expect(result?.ok === false && isPersistenceError(result.error, "ERR_LOCKED")).toBe(true);
  });
});
