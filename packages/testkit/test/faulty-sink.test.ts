import { isPersistenceError, type Sink } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { createMemoryFs, withFaults } from "../src/index.js";
import { createReferenceFsSink } from "./fixtures/reference-fs-sink.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const fresh = (): Sink =>
  createReferenceFsSink({ fs: createMemoryFs({ "/data": null }), dir: "/data" });

describe("withFaults", () => {
  it("fails the nth write with a PersistenceError of the given code and stage", async () => {
    const sink = withFaults(fresh(), [{ nth: 2, fault: { error: "ERR_NO_SPACE", stage: "sync" } }]);
    await sink.write("t", [bytes("one")]);
    const error = await sink.write("t", [bytes("two")]).catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_NO_SPACE")).toBe(true);
    expect(error).toMatchObject({ stage: "sync", target: "t" });
    expect(text(await sink.read("t"))).toBe("one");
    expect(sink.calls.map((c) => [c.op, c.outcome, c.error])).toEqual([
      ["write", "ok", undefined],
      ["write", "error", "ERR_NO_SPACE"],
      ["read", "ok", undefined],
    ]);
  });

  it("throws a raw OS error for OS codes, as an unwrapped sink would", async () => {
    const sink = withFaults(fresh(), [{ fault: { error: "EIO" } }]);
    await expect(sink.write("t", [bytes("x")])).rejects.toMatchObject({
      code: "EIO",
      syscall: "write",
    });
  });

  it("tears the chunk stream after n chunks and leaves the old content", async () => {
    const sink = withFaults(fresh(), [{ nth: 2, fault: { tearAfterChunks: 1 } }]);
    await sink.write("t", [bytes("old")]);
    const error = await sink.write("t", [bytes("n"), bytes("e"), bytes("w")]).catch((e) => e);
    expect(isPersistenceError(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: "EIO" });
    expect(text(await sink.read("t"))).toBe("old");
  });

  it("hangs a write until released, or until its signal aborts", async () => {
    const sink = withFaults(fresh(), [{ times: 2, fault: { hang: true } }]);
    const first = sink.write("t", [bytes("released")]);
    const hung = await sink.waitForHang();
    expect(hung).toMatchObject({ op: "write", target: "t", outcome: "pending" });
    sink.release();
    await first;
    const controller = new AbortController();
    const second = sink.write("t", [bytes("aborted")], { signal: controller.signal });
    await sink.waitForHang();
    controller.abort();
    const error = await second.catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_ABORTED")).toBe(true);
    expect(text(await sink.read("t"))).toBe("released");
  });

  it("matches targets and passes capabilities through", async () => {
    const inner = fresh();
    const sink = withFaults(inner, [
      { target: /^b/, times: Number.POSITIVE_INFINITY, fault: { throws: "nope" } },
    ]);
    expect(sink.capabilities).toBe(inner.capabilities);
    await sink.write("a", [bytes("ok")]);
    await expect(sink.write("b", [bytes("x")])).rejects.toBe("nope");
    await expect(sink.write("b", [bytes("y")])).rejects.toBe("nope");
  });
});
