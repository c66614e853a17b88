import { describe, expect, it } from "vitest";
import { PersistenceError, type WriteResult } from "../src/index.js";
import { setup } from "./support/setup.js";

describe("health(): is the target failing now?", () => {
  it("sets failing and failingSince at the first failure, keeps them across retries, clears them on success", async () => {
    const { clock, sink, writer, handle } = setup({ retry: { initialMs: 100, jitter: 0 } });
    const full = () => new PersistenceError("ERR_NO_SPACE", "full", { stage: "write" });
    const health = () => writer.health().targets["state.txt"];
    expect(health()).toMatchObject({ failing: false, failingSince: undefined });
    sink.steps.push({ kind: "fail", error: full() }, { kind: "fail", error: full() });
    handle.request("1");
    await clock.advance(100);
    expect(health()).toMatchObject({ failing: true, failingSince: 100 });
    expect(writer.health().totals.failingTargets).toBe(1);
    await clock.advance(100);
    expect(health()?.failures).toBe(2);
    expect(health()).toMatchObject({ failing: true, failingSince: 100 });
    await clock.advance(200);
    expect(health()?.successes).toBe(1);
    expect(health()).toMatchObject({ failing: false, failingSince: undefined });
    // lastError keeps the history; failing says what is true now.
    expect(health()?.lastError?.code).toBe("ERR_NO_SPACE");
    expect(writer.health().totals.failingTargets).toBe(0);
  });
});

describe("PersistenceError serialises with JSON.stringify", () => {
  it("keeps code, stage, target, message, details and the cause chain", () => {
    const os = Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
    const error = new PersistenceError("ERR_IO", "write failed", {
      stage: "sync",
      target: "a.json",
      details: { osCode: "EIO", attempt: 2 },
      cause: os,
    });
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toEqual({
      name: "PersistenceError",
      code: "ERR_IO",
      stage: "sync",
      target: "a.json",
      message: "write failed",
      details: { osCode: "EIO", attempt: 2 },
      cause: { name: "Error", message: "EIO: i/o error", code: "EIO" },
    });
  });

  it("keeps the error inside a serialised WriteResult", async () => {
    const { clock, sink, handle, results } = setup({ retry: { initialMs: 100, jitter: 0 } });
    sink.steps.push({
      kind: "fail",
      error: new PersistenceError("ERR_NO_SPACE", "disk full", { stage: "write" }),
    });
    handle.request("1");
    await clock.advance(100);
    const result = results[0] as WriteResult;
    const json = JSON.parse(JSON.stringify(result));
    expect(json.error).toMatchObject({
      code: "ERR_NO_SPACE",
      stage: "write",
      message: "disk full",
    });
  });

  it("survives details that JSON cannot hold and cause cycles", () => {
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const a = new PersistenceError("ERR_IO", "a", {
      details: { big: 10n, fn: () => 1, cyclic, bytes: new Uint8Array(4) },
    });
    const b = new PersistenceError("ERR_IO", "b", { cause: a });
    // A cause cycle: a -> b -> a.
    Object.defineProperty(a, "cause", { value: b, configurable: true });
    const text = JSON.stringify(b);
    const json = JSON.parse(text);
    expect(json.code).toBe("ERR_IO");
    expect(json.cause.message).toBe("a");
    expect(json.cause.details.big).toBe("10");
    expect(json.cause.details.cyclic).toEqual({ name: "loop", self: "[Circular]" });
    expect(json.cause.details.bytes).toEqual({ type: "Uint8Array", byteLength: 4 });
    expect(json.cause.cause).toBe("[Circular]");
  });
});
