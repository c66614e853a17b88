import type { FsPort } from "@snapwrite/core";
import {
  type CrashableFs,
  createCrashableFs,
  createFaultyFs,
  createManualClock,
  createMemoryFs,
} from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  type AppendLogProblem,
  type AppendLogRecord,
  createExclusiveFileLock,
  openAppendLog,
  readAppendLog,
} from "../src/index.js";
import { dec, enc } from "./helpers.js";

const PATH = "/logs/chat.jsonl";

async function readAll(fs: FsPort, path = PATH, fromSeq?: number) {
  const records: AppendLogRecord[] = [];
  const problems: AppendLogProblem[] = [];
  for await (const e of readAppendLog({ fs, path, fromSeq })) {
    if ("problem" in e) problems.push(e);
    else records.push(e);
  }
  return {
    records,
    problems,
    values: records.map((r) => r.value),
    seqs: records.map((r) => r.seq),
  };
}

describe("openAppendLog / readAppendLog", () => {
  it("appends JSON values with continuous seqs and reads them back", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    const results = await Promise.all([{ a: 1 }, "two", [3]].map((v) => log.append(v)));
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(results.every((r) => r.durable)).toBe(true);
    await log.close();
    const again = await openAppendLog({ fs, path: PATH });
    expect((await again.append(null)).seq).toBe(4);
    await again.close();
    expect((await readAll(fs)).values).toEqual([{ a: 1 }, "two", [3], null]);
    expect((await readAll(fs, PATH, 3)).seqs).toEqual([3, 4]);
  });

  it("cuts a torn last line into a *.torn-* file before appending; the new record is intact", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    await log.append({ n: 1 });
    await log.close();
    fs.vol.appendFileSync(PATH, '{"seq":2,"value":{"n":');
    expect((await readAll(fs)).problems).toEqual([expect.objectContaining({ problem: "torn" })]);
    const next = await openAppendLog({ fs, path: PATH });
    expect(next.repairs).toHaveLength(1);
    expect((await next.append({ n: 2 })).seq).toBe(2);
    await next.close();
    const { values, problems } = await readAll(fs);
    expect(values).toEqual([{ n: 1 }, { n: 2 }]);
    expect(problems).toEqual([]);
    const torn = (await fs.readdir("/logs")).filter((f) => f.includes(".torn-"));
    expect(torn).toHaveLength(1);
    expect(dec(await fs.readFile(`/logs/${torn[0]}`))).toBe('{"seq":2,"value":{"n":');
  });

  it("finds the last seq from the end of a large file, also when the last record is longer than the read window", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    for (let i = 0; i < 200; i++) await log.append("x".repeat(1000));
    await log.append("y".repeat(150_000));
    await log.close();
    fs.vol.appendFileSync(PATH, '{"seq":202,"val');
    const other = await openAppendLog({ fs, path: PATH });
    expect((await other.append("z")).seq).toBe(202);
    await other.close();
    const { seqs, problems } = await readAll(fs);
    expect(problems).toEqual([]);
    expect(seqs).toEqual(Array.from({ length: 202 }, (_, i) => i + 1));
  });

  it("treats a zero-filled tail as torn", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    await log.append("a");
    await log.close();
    fs.vol.appendFileSync(PATH, Buffer.alloc(512));
    const next = await openAppendLog({ fs, path: PATH });
    await next.append("b");
    await next.close();
    expect((await readAll(fs)).values).toEqual(["a", "b"]);
    expect(next.repairs[0]?.bytes).toBe(512);
  });

  it("reports a corrupt middle line with its offset, keeps reading, and never rewrites the log for it", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    for (const v of ["a", "b", "c"]) await log.append(v);
    await log.close();
    const text = dec(await fs.readFile(PATH));
    const offset = text.indexOf('{"seq":2');
    fs.vol.writeFileSync(PATH, text.replace('{"seq":2', '{"seq"#2'));
    const before = dec(await fs.readFile(PATH));
    const { values, problems } = await readAll(fs);
    expect(values).toEqual(["a", "c"]);
    expect(problems).toEqual([expect.objectContaining({ problem: "corrupt", offset })]);
    const next = await openAppendLog({ fs, path: PATH });
    expect((await next.append("d")).seq).toBe(4);
    await next.close();
    expect(dec(await fs.readFile(PATH)).startsWith(before)).toBe(true);
    expect(next.repairs).toEqual([]);
  });

  it("rotates by size under the lock, names rotated files by first seq, keeps seqs continuous and applies retention", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH, rotate: { maxBytes: 120, keep: 2 } });
    for (let i = 1; i <= 12; i++) await log.append({ i });
    await log.close();
    const names = (await fs.readdir("/logs")).filter((f) => f.endsWith(".jsonl")).sort();
    const rotated = names.filter((f) => f !== "chat.jsonl");
    expect(rotated.length).toBe(2);
    for (const f of rotated) expect(f).toMatch(/^chat\.[0-9a-f]{16}\.jsonl$/);
    const { seqs, problems } = await readAll(fs);
    expect(problems).toEqual([]);
    expect(seqs.at(-1)).toBe(12);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 13 - seqs.length + i));
    const first = Number.parseInt((rotated[0] as string).slice(5, 21), 16);
    expect(first).toBe(seqs[0]);
  });

  it("rotate() moves the active file aside after the queued appends; seqs go on; an empty file is not rotated", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    const queued = [log.append("a"), log.append("b")];
    const rotated = await log.rotate();
    expect((await Promise.all(queued)).map((r) => r.seq)).toEqual([1, 2]);
    expect(rotated).toBe("chat.0000000000000001.jsonl");
    expect(await log.rotate()).toBeUndefined();
    expect((await log.append("c")).seq).toBe(3);
    await log.close();
    await expect(log.rotate()).rejects.toMatchObject({ code: "ERR_CLOSED" });
    const names = (await fs.readdir("/logs")).filter((f) => f.endsWith(".jsonl")).sort();
    expect(names).toEqual(["chat.0000000000000001.jsonl", "chat.jsonl"]);
    const { seqs, values, problems } = await readAll(fs);
    expect(problems).toEqual([]);
    expect(seqs).toEqual([1, 2, 3]);
    expect(values).toEqual(["a", "b", "c"]);
  });

  it("a rotation by another writer while the log is read skips no record and reports no damage", async () => {
    const memory = createMemoryFs({ "/logs": null });
    const writer = await openAppendLog({ fs: memory, path: PATH });
    for (let i = 1; i <= 3; i++) await writer.append(i);
    await writer.rotate();
    for (let i = 4; i <= 6; i++) await writer.append(i);
    // The reader has listed the files; then, just before it reads the active file, the writer
    // rotates it away and starts a new one.
    let raced = false;
    const racing: FsPort = Object.create(memory, {
      lstat: {
        value: async (path: string) => {
          if (!raced && path === PATH) {
            raced = true;
            await writer.rotate();
            for (let i = 7; i <= 8; i++) await writer.append(i);
          }
          return memory.lstat(path);
        },
      },
    });
    const { seqs, problems } = await readAll(racing);
    expect(raced).toBe(true);
    expect(problems).toEqual([]);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await writer.close();
  });

  it("an empty active file is no damage; a missing file in the middle is reported as a gap", async () => {
    const memory = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs: memory, path: PATH });
    for (let i = 1; i <= 6; i++) {
      await log.append(i);
      if (i % 2 === 0) await log.rotate();
    }
    await log.close();
    memory.vol.writeFileSync(PATH, new Uint8Array(0));
    expect((await readAll(memory)).problems).toEqual([]);
    await memory.unlink("/logs/chat.0000000000000003.jsonl");
    const { seqs, problems } = await readAll(memory);
    expect(seqs).toEqual([1, 2, 5, 6]);
    expect(problems).toEqual([
      { problem: "gap", file: "chat.0000000000000005.jsonl", offset: 0, bytes: 0 },
    ]);
  });

  it("opens over an empty active file (its writer died creating it) with no repair and no copy", async () => {
    const memory = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs: memory, path: PATH });
    for (let i = 1; i <= 4; i++) await log.append(i);
    await log.rotate();
    await log.close();
    memory.vol.writeFileSync(PATH, new Uint8Array(0));
    const before = memory.vol.readdirSync("/logs").sort();
    const again = await openAppendLog({ fs: memory, path: PATH });
    expect(again.repairs).toEqual([]);
    expect((await again.append(5)).seq).toBe(5);
    await again.close();
    expect(memory.vol.readdirSync("/logs").sort()).toEqual(before);
    expect((await readAll(memory)).seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it("rotates by the age in the file header (injected clock)", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const clock = createManualClock(10_000);
    const log = await openAppendLog({ fs, path: PATH, clock, rotate: { maxAgeMs: 1_000 } });
    await log.append(1);
    clock.advance(999);
    await log.append(2);
    clock.advance(1);
    await log.append(3);
    await log.close();
    expect((await fs.readdir("/logs")).filter((f) => f.endsWith(".jsonl")).sort()).toEqual([
      "chat.0000000000000001.jsonl",
      "chat.jsonl",
    ]);
    expect((await readAll(fs)).seqs).toEqual([1, 2, 3]);
  });

  it("two writers on one file with the per-append lock interleave whole records with continuous seqs", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const a = await openAppendLog({ fs, path: PATH, rotate: { maxBytes: 400 } });
    const b = await openAppendLog({ fs, path: PATH, rotate: { maxBytes: 400 } });
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      work.push(a.append({ w: "a", i }));
      work.push(b.append({ w: "b", i }));
    }
    await Promise.all(work);
    await a.close();
    await b.close();
    const { seqs, values, problems } = await readAll(fs);
    expect(problems).toEqual([]);
    expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(new Set(values.map((v) => JSON.stringify(v))).size).toBe(80);
  });

  it("a failed sync cuts the failed record off: it is never read back, and the next append works", async () => {
    const memory = createMemoryFs({ "/logs": null });
    const faulty = createFaultyFs(memory);
    const log = await openAppendLog({ fs: faulty, path: PATH });
    await log.append("ok1");
    faulty.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    await expect(log.append("bad")).rejects.toMatchObject({
      code: "ERR_IO",
      stage: "sync",
      details: { committed: false },
    });
    expect((await log.append("ok2")).seq).toBe(2);
    await log.close();
    expect((await readAll(memory)).values).toEqual(["ok1", "ok2"]);
  });

  it("refuses a value JSON cannot encode with ERR_ENCODE and writes nothing", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: PATH });
    await expect(log.append(() => 1)).rejects.toMatchObject({ code: "ERR_ENCODE" });
    await expect(log.append(10n)).rejects.toMatchObject({ code: "ERR_ENCODE" });
    expect((await log.append("fine")).seq).toBe(1);
    await log.close();
  });

  it("framed format: bytes in, bytes out; a flipped bit is reported at its offset and later records still read", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const path = "/logs/audit.bin";
    const log = await openAppendLog({ fs, path, format: "framed" });
    for (const t of ["one", "two", "three"]) await log.append(enc(t));
    await log.close();
    const bytes = new Uint8Array(await fs.readFile(path));
    const second = 40 + 20 + 3;
    bytes[second + 22] = (bytes[second + 22] as number) ^ 1;
    fs.vol.writeFileSync(path, bytes);
    const records: string[] = [];
    const problems: AppendLogProblem[] = [];
    for await (const e of readAppendLog({ fs, path })) {
      if ("problem" in e) problems.push(e);
      else records.push(dec(e.value as Uint8Array));
    }
    expect(records).toEqual(["one", "three"]);
    expect(problems).toEqual([expect.objectContaining({ problem: "corrupt", offset: second })]);
  });
});

describe("append log crash states", () => {
  async function scenario(crash: CrashableFs, faults: boolean) {
    const fs = faults ? createFaultyFs(crash) : crash;
    const acked: { value: string; at: number }[] = [];
    const failed = new Map<string, number>();
    const log = await openAppendLog({ fs, path: PATH, rotate: { maxBytes: 110, keep: 3 } });
    const put = (value: string) =>
      log.append(value).then(
        () => acked.push({ value, at: crash.trace.length }),
        () => failed.set(value, crash.trace.length),
      );
    await put("v1");
    await Promise.all([put("v2"), put("v3")]);
    if (faults && "addFaults" in fs) fs.addFaults([{ op: "datasync", fault: { error: "EIO" } }]);
    await put("x1");
    await put("v4");
    await put("v5");
    await log.close();
    return { acked, failed };
  }

  for (const faults of [false, true]) {
    it(`every crash state of appends and rotations${faults ? " with a failed sync" : ""} keeps an acknowledged prefix`, async () => {
      const crash = createCrashableFs({ files: { "/logs": null }, maxStates: 600 });
      const { acked, failed } = await scenario(crash, faults);
      if (faults) expect([...failed.keys()]).toEqual(["x1"]);
      // The scenario rotates: the active file was linked to a rotated name at least once.
      expect(
        crash.trace.some((t) => t.op === "link" && /chat\.[0-9a-f]{16}\.jsonl$/.test(t.dest ?? "")),
      ).toBe(true);
      const order = acked.map((a) => a.value);
      const states = crash.crashStates();
      expect(states.length).toBeGreaterThan(20);
      for (const state of states) {
        const fs = state.fs();
        const { values, seqs } = await readAll(fs);
        const context = `${state.description}\nrecovered: ${JSON.stringify(values)}`;
        // A failed append may end the log only in states from before its failure was reported.
        const inFlight = (v: string) => (failed.get(v) ?? -1) > state.afterOp;
        let kept = values.length;
        while (kept > 0 && inFlight(values[kept - 1] as string)) kept--;
        expect(values.slice(0, kept), context).toEqual(order.slice(0, kept));
        expect(kept, context).toBeGreaterThanOrEqual(
          acked.filter((a) => a.at <= state.afterOp).length,
        );
        expect(seqs, context).toEqual(seqs.map((_, i) => (seqs[0] ?? 1) + i));
        // The lock file a power loss left behind is from the previous boot: stale at once here.
        const locker = createExclusiveFileLock({ fs, staleMs: 1 });
        const log = await openAppendLog({ fs, path: PATH, rotate: { maxBytes: 110 }, locker });
        await log.append("after");
        await log.close();
        const again = await readAll(fs);
        expect(again.problems, context).toEqual([]);
        expect(again.values, context).toEqual([...values, "after"]);
      }
    });
  }
});
