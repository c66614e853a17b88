import { describe, expect, it } from "vitest";
import { loadTarget, PersistenceError, type Sink } from "../src/index.js";
import { defineSink } from "../src/sink-kit/index.js";
import { textCodec as makeTextCodec } from "./support/fakes.js";

const encoder = new TextEncoder();

const textCodec = makeTextCodec();

/**
 * A sink that checks its own bytes: a version in `bad` fails its read with `ERR_CORRUPT` naming
 * the version (`details.version`). Right after the first read, `next` replaces the primary, as if
 * a write landed between loadTarget's read and its quarantine.
 */
function checksummingSink(bad: Set<string>, first: string, next: string | undefined) {
  let version = first;
  let reads = 0;
  const calls: (string | undefined)[] = [];
  const sink: Sink & { calls: typeof calls } = {
    calls,
    capabilities: {
      atomicReplace: true,
      durable: true,
      backup: false,
      crossProcessLock: true,
      fencing: true,
    },
    write: async () => ({ bytes: 0, durable: true }),
    async read(target) {
      const seen = version;
      reads += 1;
      if (reads === 1 && next !== undefined) version = next;
      if (bad.has(seen)) {
        throw new PersistenceError("ERR_CORRUPT", `checksum of ${seen}`, {
          target,
          details: { reason: "checksum", version: seen },
        });
      }
      return encoder.encode(`content of ${seen}`);
    },
    async quarantine(target, _reason, options) {
      calls.push(options?.expectedVersion);
      if (options?.expectedVersion !== version) {
        throw new PersistenceError("ERR_STALE", "changed", {
          target,
          details: { reason: "changed" },
        });
      }
      return `aside/${version}`;
    },
  };
  return sink;
}

describe("loadTarget() with a sink that finds its bytes corrupt itself", () => {
  it("passes the version the read named, and never moves a newer version written since", async () => {
    const sink = checksummingSink(new Set(["2"]), "2", "3");
    const result = await loadTarget(sink, "t", textCodec);
    expect(result).toEqual({ ok: true, value: "content of 3", source: "primary", bytes: 12 });
    expect(sink.calls).toEqual(["2"]);
  });

  it("moves the corrupt version when it is still in place", async () => {
    const sink = checksummingSink(new Set(["2"]), "2", undefined);
    const result = await loadTarget(sink, "t", textCodec);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CORRUPT" } });
    expect(result.quarantinedTo).toBe("aside/2");
    expect(sink.calls).toEqual(["2"]);
  });
});

describe("defineSink() and expectedVersion", () => {
  function definition(seen: unknown[], checksExpected: boolean) {
    return defineSink({
      capabilities: {
        atomicReplace: true,
        durable: false,
        backup: false,
        crossProcessLock: false,
        fencing: false,
      },
      writeNow: async () => ({ bytes: 0, durable: false }),
      readNow: async () => new Uint8Array(),
      checksExpected,
      async quarantineNow(target, _reason, options) {
        seen.push(options);
        return `aside/${target}`;
      },
    });
  }

  it("hands expectedVersion to quarantineNow with checksExpected", async () => {
    const seen: unknown[] = [];
    const sink = definition(seen, true);
    expect(await sink.quarantine?.("t", "bad", { expectedVersion: "7" })).toBe("aside/t");
    expect(seen).toEqual([{ expected: undefined, expectedVersion: "7" }]);
  });

  it("passes nothing to a sink that names no versions, and refuses a non-string", async () => {
    const seen: unknown[] = [];
    const sink = definition(seen, false);
    await sink.quarantine?.("t", "bad", { expectedVersion: "7" });
    expect(seen).toEqual([{}]);
    await expect(sink.quarantine?.("t", "bad", { expectedVersion: 7 as never })).rejects.toThrow(
      TypeError,
    );
    expect(seen).toHaveLength(1);
  });
});
