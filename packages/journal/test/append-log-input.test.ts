import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";
import { dec } from "./helpers.js";

const PATH = "/logs/chat.jsonl";

describe("append log input checks", () => {
  it("openAppendLog without options, or with a bad path, is a clear TypeError", async () => {
    const open = openAppendLog as (options?: unknown) => Promise<unknown>;
    await expect(open()).rejects.toThrow(
      new TypeError("openAppendLog: options must be an object with a path"),
    );
    await expect(open(null)).rejects.toThrow(TypeError);
    await expect(open({ path: 5 })).rejects.toThrow(
      new TypeError("openAppendLog: path must be a non-empty string"),
    );
    const read = readAppendLog as (options?: unknown) => AsyncGenerator<unknown>;
    await expect(read().next()).rejects.toThrow(
      new TypeError("readAppendLog: options must be an object with a path"),
    );
    await expect(read({ path: "" }).next()).rejects.toThrow(TypeError);
  });

  it("an unknown option key is a TypeError naming it, also in rotate and durability, and nothing is created", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const open = openAppendLog as (options: unknown) => Promise<unknown>;
    await expect(open({ fs, path: PATH, durabilty: "os" })).rejects.toThrow(
      /^openAppendLog: unknown option "durabilty"; known: path, format, lock, rotate, durability, /,
    );
    await expect(open({ fs, path: PATH, rotate: { maxByte: 10 } })).rejects.toThrow(
      /^openAppendLog: unknown option "rotate\.maxByte"; known: rotate\.maxBytes, /,
    );
    await expect(open({ fs, path: PATH, rotate: 10 })).rejects.toThrow(
      new TypeError("openAppendLog: rotate must be an object"),
    );
    await expect(open({ fs, path: PATH, durability: { intervalMS: 10 } })).rejects.toThrow(
      /^openAppendLog: unknown option "durability\.intervalMS"/,
    );
    const read = readAppendLog as (options: unknown) => AsyncGenerator<unknown>;
    await expect(read({ fs, path: PATH, from: 3 }).next()).rejects.toThrow(
      new TypeError(
        'readAppendLog: unknown option "from"; known: path, fromSeq, fs, maxRecordBytes, format',
      ),
    );
    expect(await fs.readdir("/logs")).toEqual([]);
  });

  it("readAppendLog refuses a fromSeq that is negative, fractional or NaN (RangeError) or no number (TypeError)", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    for (const value of ["a", "b", "c"]) await log.append(value);
    await log.close();
    for (const fromSeq of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      await expect(
        readAppendLog({ fs, path: PATH, fromSeq }).next(),
        String(fromSeq),
      ).rejects.toThrow(
        new RangeError(`readAppendLog: fromSeq must be a safe integer >= 0, got ${fromSeq}`),
      );
    }
    const read = readAppendLog as (options: unknown) => AsyncGenerator<unknown>;
    await expect(read({ fs, path: PATH, fromSeq: "2" }).next()).rejects.toThrow(
      new TypeError("readAppendLog: fromSeq must be a number, got string"),
    );
    const seqs = async (fromSeq: number | undefined) => {
      const found: number[] = [];
      for await (const entry of readAppendLog({ fs, path: PATH, fromSeq })) {
        if ("seq" in entry) found.push(entry.seq);
      }
      return found;
    };
    expect(await seqs(0)).toEqual([1, 2, 3]);
    expect(await seqs(undefined)).toEqual([1, 2, 3]);
    expect(await seqs(3)).toEqual([3]);
    expect(await seqs(4)).toEqual([]);
  });

  it("a failed repair step at open rejects with a PersistenceError with code and stage, not the OS error", async () => {
    // An empty active file (its creator died before the header): the open removes it, and fails.
    const memory = createMemoryFs({ "/logs": null, [PATH]: new Uint8Array(0) });
    const fs = createFaultyFs(memory, [
      { op: "unlink", path: /chat\.jsonl$/, times: Infinity, fault: { error: "EACCES" } },
    ]);
    await expect(openAppendLog({ fs, path: PATH })).rejects.toMatchObject({
      name: "PersistenceError",
      code: "ERR_PERMISSION",
      stage: "open",
      details: { osCode: "EACCES" },
    });
  });

  it("maxRecordBytes must be a positive integer", async () => {
    const fs = createMemoryFs({ "/logs": null });
    for (const maxRecordBytes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(
        openAppendLog({ fs, path: PATH, maxRecordBytes }),
        String(maxRecordBytes),
      ).rejects.toThrow(RangeError);
      await expect(readAppendLog({ fs, path: PATH, maxRecordBytes }).next()).rejects.toThrow(
        RangeError,
      );
    }
    const open = openAppendLog as (options: unknown) => Promise<unknown>;
    await expect(open({ fs, path: PATH, maxRecordBytes: "10" })).rejects.toThrow(TypeError);
    // Nothing was created by the refused opens.
    expect(await fs.readdir("/logs")).toEqual([]);
  });

  it("refuses NaN and ±Infinity anywhere in a value with ERR_ENCODE instead of storing null; null itself is kept", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    const refused = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      { x: Number.NEGATIVE_INFINITY },
      [1, null, Number.NaN],
      { deep: { n: Object(Number.NaN) } },
      { toJSON: () => Number.NaN },
    ];
    for (const value of refused) {
      await expect(log.append(value)).rejects.toMatchObject({
        code: "ERR_ENCODE",
        message: expect.stringMatching(/is (NaN|-?Infinity), which JSON cannot hold/),
        cause: expect.any(TypeError),
      });
    }
    expect((await log.append({ a: null, b: [null], n: 1.5 })).seq).toBe(1);
    expect((await log.append(null)).seq).toBe(2);
    await log.close();
    const values: unknown[] = [];
    for await (const entry of readAppendLog({ fs, path: PATH })) {
      if (!("problem" in entry)) values.push(entry.value);
    }
    expect(values).toEqual([{ a: null, b: [null], n: 1.5 }, null]);
    expect(dec(await fs.readFile(PATH))).not.toContain("NaN");
  });

  it("append() takes its value as it is at the call: a value changed before its batch is written is stored unchanged", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    const entry = { role: "user", text: "" };
    const acks: Promise<unknown>[] = [];
    for (const text of ["hello", "how are you?", "bye"]) {
      entry.text = text;
      acks.push(log.append(entry));
    }
    await Promise.all(acks);
    await log.close();
    const framed = await openAppendLog({ fs, path: "/logs/bin.log", format: "framed" });
    const reused = Buffer.from("AAAA");
    const pending = framed.append(reused);
    reused.write("BBBB");
    await pending;
    await framed.close();
    const stored: unknown[] = [];
    for await (const e of readAppendLog({ fs, path: PATH })) if ("seq" in e) stored.push(e.value);
    for await (const e of readAppendLog({ fs, path: "/logs/bin.log" })) {
      if ("seq" in e) stored.push(dec(e.value as Uint8Array));
    }
    expect(stored).toEqual([
      { role: "user", text: "hello" },
      { role: "user", text: "how are you?" },
      { role: "user", text: "bye" },
      "AAAA",
    ]);
  });

  it("a value the format cannot hold rejects at the call, without waiting for the batch's lock", async () => {
    const fs = createMemoryFs({ "/logs": null });
    // The open takes the lock; every later batch waits until `unblock`.
    let unblock = () => {};
    const blocked = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    let acquired = 0;
    const locker = {
      async acquire() {
        if (acquired++ > 0) await blocked;
        return { release: async () => {} };
      },
    };
    const log = await openAppendLog({ fs, path: PATH, locker });
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    const kept = log.append("kept");
    await expect(log.append(cyclic)).rejects.toMatchObject({
      code: "ERR_ENCODE",
      stage: "encode",
      cause: expect.any(TypeError),
    });
    unblock();
    expect((await kept).seq).toBe(1);
    await log.close();
  });

  it("an append refused with ERR_ENCODE before anything is written says committed: false", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const jsonl = await openAppendLog({ fs, path: PATH, maxRecordBytes: 64 });
    const framed = await openAppendLog({
      fs,
      path: "/logs/audit.bin",
      format: "framed",
      maxRecordBytes: 64,
    });
    const refusals = [
      jsonl.append(Number.NaN),
      jsonl.append(10n),
      jsonl.append("x".repeat(100)),
      framed.append("not bytes" as never),
      framed.append(new Uint8Array(100)),
    ];
    for (const refusal of refusals) {
      await expect(refusal).rejects.toMatchObject({
        code: "ERR_ENCODE",
        stage: "encode",
        details: { committed: false },
      });
    }
    await expect(jsonl.append("x".repeat(100))).rejects.toMatchObject({
      details: { committed: false, maxRecordBytes: 64 },
    });
    expect((await jsonl.append("kept")).seq).toBe(1);
    expect((await framed.append(Uint8Array.of(1))).seq).toBe(1);
    await jsonl.close();
    await framed.close();
  });
});
