import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPersistenceWriter, type PersistenceWriter, type WriteResult } from "@snapwrite/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createWorkerReplica,
  type WorkerReplica,
  type WorkerReplicaOptions,
} from "../src/index.js";
import { forEachFrame, PatchBatch } from "../src/patch-batch.js";

// Real worker threads running the built package: build it before running these tests.
const FIXTURE = new URL("./fixtures/lines-replica-worker.mjs", import.meta.url);
const SET = 1;
const DELETE = 2;
const encoder = new TextEncoder();

type Options = { dir: string; noBytes?: boolean };
let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapwrite-binary-"));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

function setup(options: Partial<WorkerReplicaOptions<unknown, Options>> = {}): {
  replica: WorkerReplica<unknown>;
  writer: PersistenceWriter;
  save(reason: string): Promise<WriteResult>;
} {
  const replica = createWorkerReplica<unknown, Options>({
    module: FIXTURE,
    options: { dir },
    ...options,
  });
  const writer = createPersistenceWriter({ retry: { initialMs: 5, maxMs: 20, jitter: 0 } });
  cleanups.push(() => writer.close({ timeoutMs: 1000 }));
  cleanups.push(() => replica.close({ timeoutMs: 0 }));
  const handle = writer.register("lines.txt", { runner: replica, debounceMs: 0 });
  return { replica, writer, save: (reason) => handle.saveNow(reason) };
}

const fileText = () => readFile(join(dir, "lines.txt"), "utf8");

describe("binary patches (patchBytes)", () => {
  it("reach the replica in call order with object patches, copied at the call", async () => {
    const { replica, save } = setup({ batchDelayMs: 60_000 });
    const scratch = encoder.encode("a=1");
    replica.patchBytes(SET, scratch);
    scratch.set(encoder.encode("a=X")); // the patch was copied: this change is not sent
    replica.patch({ op: "set", key: "b", value: "2" });
    replica.patchBytes(SET, encoder.encode("b=3"));
    replica.patchBytes(SET, encoder.encode("c=4"));
    replica.patch({ op: "delete", key: "c" });
    replica.patchBytes(DELETE, encoder.encode("a"));
    replica.patchBytes(SET, encoder.encode("a=5"));
    const result = await save("ordered");
    expect(result).toMatchObject({ ok: true, generation: 1 });
    expect(await fileText()).toBe("b=3\na=5\n");
    expect(replica.stats).toMatchObject({ patches: 7, dropped: 0 });
  });

  it("batches the binary patches of a window into one message, and a write flushes them at once", async () => {
    const { replica, save } = setup({ batchDelayMs: 60_000 });
    let expected = "";
    for (let i = 0; i < 500; i++) {
      replica.patchBytes(SET, encoder.encode(`k${i}=${"v".repeat(i % 50)}`));
      expected += `k${i}=${"v".repeat(i % 50)}\n`;
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(replica.stats.batches).toBe(0);
    expect((await save("all")).ok).toBe(true);
    expect(await fileText()).toBe(expected);
    expect(replica.stats.batches).toBe(1);
  });

  it("posts when batchBytes are waiting, and after batchDelayMs", async () => {
    const { replica, save } = setup({ batchDelayMs: 10, batchBytes: 64 });
    replica.patchBytes(SET, encoder.encode(`big=${"x".repeat(100)}`));
    expect(replica.stats.batches).toBe(1);
    replica.patchBytes(SET, encoder.encode("small=1"));
    expect(replica.stats.batches).toBe(1);
    for (let i = 0; i < 200 && replica.stats.batches < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(replica.stats.batches).toBe(2);
    expect((await save("after the timer")).ok).toBe(true);
    expect(await fileText()).toBe(`big=${"x".repeat(100)}\nsmall=1\n`);
  });

  it("loses the replica when it has no applyBytes, and never writes it", async () => {
    const { replica, save } = setup({ options: { dir, noBytes: true } });
    replica.patchBytes(SET, encoder.encode("a=1"));
    const crashed = await save("no applyBytes");
    expect(crashed.ok).toBe(false);
    if (crashed.ok) return;
    expect(crashed.error.code).toBe("ERR_IO");
    expect(crashed.error.message).toContain("no applyBytes");
    replica.patchBytes(SET, encoder.encode("b=2"));
    expect(replica.stats.dropped).toBe(1);
    await expect(fileText()).rejects.toThrow();
  });

  it("checks the tag and the bytes, and refuses patches after close()", async () => {
    const { replica } = setup();
    expect(() => replica.patchBytes(256, new Uint8Array(1))).toThrow(RangeError);
    expect(() => replica.patchBytes(-1, new Uint8Array(1))).toThrow(RangeError);
    expect(() => replica.patchBytes(1.5, new Uint8Array(1))).toThrow(RangeError);
    expect(() => replica.patchBytes(1, "a=1" as never)).toThrow(TypeError);
    expect(replica.stats.patches).toBe(0);
    await replica.close({ timeoutMs: 0 });
    expect(() => replica.patchBytes(1, new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: "ERR_CLOSED" }),
    );
  });

  it("rejects bad batch options", () => {
    expect(() => createWorkerReplica({ module: FIXTURE, batchDelayMs: -1 })).toThrow(RangeError);
    expect(() => createWorkerReplica({ module: FIXTURE, batchDelayMs: Infinity })).toThrow(
      RangeError,
    );
    expect(() => createWorkerReplica({ module: FIXTURE, batchBytes: 0 })).toThrow(RangeError);
    expect(() => createWorkerReplica({ module: FIXTURE, batchBytes: "1" as never })).toThrow(
      TypeError,
    );
  });
});

describe("PatchBatch frames", () => {
  function frames(batch: PatchBatch): Array<[number, string]> {
    const taken = batch.take();
    const out: Array<[number, string]> = [];
    for (const segment of taken?.segments ?? []) {
      if (segment.kind !== "bytes") continue;
      forEachFrame(segment.buffer, segment.length, (tag, payload) => {
        out.push([tag, Buffer.from(payload).toString()]);
      });
    }
    return out;
  }

  it("round-trips frames across buffer growth, empty payloads included", () => {
    const batch = new PatchBatch();
    const expected: Array<[number, string]> = [];
    for (let i = 0; i < 300; i++) {
      const text = "y".repeat(i % 37);
      batch.addBytes(i % 256, encoder.encode(text));
      expected.push([i % 256, text]);
    }
    batch.addBytes(9, encoder.encode("z".repeat(5000)));
    expected.push([9, "z".repeat(5000)]);
    expect(batch.size).toBe(301);
    expect(frames(batch)).toEqual(expected);
    expect(batch.take()).toBeUndefined();
  });

  it("refuses truncated frames", () => {
    const buffer = new Uint8Array([1, 10, 0, 0, 0, 65]).buffer;
    expect(() => forEachFrame(buffer, 6, () => {})).toThrow(/truncated patch frame/);
    expect(() => forEachFrame(buffer, 3, () => {})).toThrow(/truncated patch frame header/);
  });
});
