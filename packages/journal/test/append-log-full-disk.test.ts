import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";

const DIR = "/logs";
const PATH = `${DIR}/chat.jsonl`;

describe("append log on a full disk", () => {
  for (const lock of ["session", false] as const) {
    it(`failed appends leave no empty or partial copies behind (lock: ${lock}), and the log goes on once there is space`, async () => {
      const memory = createMemoryFs({ [DIR]: null });
      const fs = createFaultyFs(memory);
      let full = false;
      // A full disk: every write stores at most a few bytes, then fails with ENOSPC.
      fs.addFaults([
        { op: "writev", path: () => full, times: Infinity, fault: { torn: 7, error: "ENOSPC" } },
        { op: "write", path: () => full, times: Infinity, fault: { torn: 3, error: "ENOSPC" } },
      ]);
      const log = await openAppendLog({ fs, path: PATH, lock });
      const acked: number[] = [];
      for (let i = 0; i < 3; i++) acked.push((await log.append({ i })).seq);
      full = true;
      for (let i = 3; i < 9; i++) {
        await expect(log.append({ i, pad: "p".repeat(600) })).rejects.toMatchObject({
          code: "ERR_NO_SPACE",
          details: { osCode: "ENOSPC" },
        });
      }
      const whileFull = await memory.readdir(DIR);
      expect(whileFull.filter((f) => f !== "chat.jsonl" && !f.endsWith(".lock"))).toEqual([]);
      full = false;
      acked.push((await log.append({ after: true })).seq);
      expect((await log.close()).ok).toBe(true);

      const files = await memory.readdir(DIR);
      const copies = files.filter((f) => /\.(torn|failed)-/.test(f));
      expect(files.filter((f) => f.endsWith(".tmp"))).toEqual([]);
      // The only copy is the one of the torn tail cut once there was space again.
      expect(copies).toEqual(log.repairs.map((r) => r.quarantinedTo));
      for (const copy of copies)
        expect((await memory.stat(`${DIR}/${copy}`)).size).toBeGreaterThan(0);
      const seqs: number[] = [];
      for await (const entry of readAppendLog({ fs: memory, path: PATH })) {
        if ("problem" in entry) throw new Error(`damage: ${entry.problem}`);
        seqs.push(entry.seq);
      }
      expect(seqs).toEqual(acked);
      expect(acked).toEqual([1, 2, 3, 4]);
    });
  }

  it("a full disk while rotation creates the next file: the append says committed false", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const log = await openAppendLog({ fs, path: PATH, lock: "session", rotate: { maxBytes: 64 } });
    await log.append({ pad: "p".repeat(80) });
    // The next append rotates: the rename goes through, the new file's header does not.
    fs.addFaults([{ op: "writev", path: PATH, fault: { torn: 5, error: "ENOSPC" } }]);
    await expect(log.append({ n: 2 })).rejects.toMatchObject({
      code: "ERR_NO_SPACE",
      details: { osCode: "ENOSPC", committed: false },
    });
    expect((await log.append({ n: 3 })).seq).toBe(2);
    expect((await log.close()).ok).toBe(true);
    const values: unknown[] = [];
    for await (const entry of readAppendLog({ fs: memory, path: PATH })) {
      if ("problem" in entry) throw new Error(`damage: ${entry.problem}`);
      values.push(entry.value);
    }
    expect(values).toEqual([{ pad: "p".repeat(80) }, { n: 3 }]);
  });

  it('a lock file that cannot be created (lock: "append"): the append says committed false', async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const log = await openAppendLog({ fs, path: PATH });
    await log.append({ n: 1 });
    // The lock file is created through a temp file of a name that contains `.lock` too.
    let full = true;
    const lockFiles = (path: string) => full && path.includes(".lock");
    fs.addFaults([{ op: "open", path: lockFiles, times: Infinity, fault: { error: "ENOSPC" } }]);
    await expect(log.append({ n: 2 })).rejects.toMatchObject({
      stage: "lock",
      details: { committed: false },
    });
    full = false;
    expect((await log.append({ n: 3 })).seq).toBe(2);
    expect((await log.close()).ok).toBe(true);
  });
});
