import { spawnSync } from "node:child_process";
import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { listSegments, openJournal } from "../src/index.js";
import { enc, replayTexts } from "./helpers.js";

const DIR = "/j";

/** A journal of three records whose last segment ends in a torn record header. */
async function tornJournal(): Promise<ReturnType<typeof createMemoryFs>> {
  const fs = createMemoryFs({ [DIR]: null });
  const journal = await openJournal({ fs, dir: DIR, name: "db", preallocateBytes: 0 });
  for (const t of ["a", "b", "c"]) await journal.append(enc(t));
  await journal.close();
  const segments = await listSegments(fs, DIR, "db");
  fs.vol.appendFileSync(`${DIR}/${segments.at(-1)}`, Buffer.from([9, 0, 0, 7, 7]));
  return fs;
}

async function tornCopies(fs: ReturnType<typeof createMemoryFs>): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((f) => f.includes(".torn-")).sort();
}

describe("tail repair at open leaves no copies behind when it fails", () => {
  it("a full disk while copying the torn tail: every failed open removes its copy", async () => {
    const memory = await tornJournal();
    const fs = createFaultyFs(memory);
    let full = true;
    fs.addFaults([
      { op: "write", path: () => full, times: Infinity, fault: { torn: 2, error: "ENOSPC" } },
      { op: "writev", path: () => full, times: Infinity, fault: { torn: 2, error: "ENOSPC" } },
    ]);
    for (let i = 0; i < 5; i++) {
      await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
        code: "ERR_NO_SPACE",
      });
      expect(await tornCopies(memory)).toEqual([]);
    }
    full = false;
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery.quarantined).toEqual(await tornCopies(memory));
    expect(journal.recovery.quarantined).toHaveLength(1);
    await journal.close();
  });

  it("a full disk when starting the successor segment: the copy made for it is removed again", async () => {
    const memory = await tornJournal();
    const fs = createFaultyFs(memory);
    let full = true;
    // The copy is written with write(); the new segment's header with writev().
    fs.addFaults([
      { op: "writev", path: () => full, times: Infinity, fault: { torn: 2, error: "ENOSPC" } },
    ]);
    for (let i = 0; i < 3; i++) {
      await expect(openJournal({ fs, dir: DIR, name: "db" })).rejects.toMatchObject({
        code: "ERR_NO_SPACE",
      });
      expect(await tornCopies(memory)).toEqual([]);
      expect(await listSegments(memory, DIR, "db")).toHaveLength(1);
    }
    full = false;
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(await tornCopies(memory)).toHaveLength(1);
    expect((await journal.append(enc("d"))).seq).toBe(4);
    await journal.close();
    expect((await replayTexts(memory, DIR, "db")).texts).toEqual(["a", "b", "c", "d"]);
  });

  it("takes the identical copy a killed repair left instead of making another", async () => {
    const fs = await tornJournal();
    const segment = (await listSegments(fs, DIR, "db")).at(-1) as string;
    const left = `${segment}.torn-1-killed`;
    fs.vol.writeFileSync(`${DIR}/${left}`, Buffer.from([9, 0, 0, 7, 7]));
    // A copy of other bytes (another tail, or a file someone put there) is not taken.
    fs.vol.writeFileSync(`${DIR}/${segment}.torn-2-other`, Buffer.from([9, 0, 0, 7, 8]));
    const journal = await openJournal({ fs, dir: DIR, name: "db" });
    expect(journal.recovery.quarantined).toEqual([left]);
    await journal.close();
    expect(await tornCopies(fs)).toEqual([left, `${segment}.torn-2-other`].sort());
  });

  it.skipIf(process.platform === "win32")(
    "deletes the copy temps of killed repairs of this tail, and only those",
    async () => {
      const fs = await tornJournal();
      const segment = (await listSegments(fs, DIR, "db")).at(-1) as string;
      // A process that has exited: its pid names no running process any more.
      const child = spawnSync(process.execPath, ["-e", ""], { timeout: 10_000 });
      const dead = child.pid as number;
      expect(child.status).toBe(0);
      const swept = `.${segment}.${dead}-k3x9a0.tmp`;
      const kept = [
        `.${segment}.${process.pid}-k3x9a0.tmp`, // a live process (this one)
        `.${segment}.${dead}-k3x9a0.tmp.keep`, // not the exact name
        `.${segment}.${dead}-K3X9A0.tmp`, // not a tag the journal makes
        `.other.wal.0000000000000001-0000.${dead}-k3x9a0.tmp`, // another journal's
      ];
      for (const name of [swept, ...kept]) fs.vol.writeFileSync(`${DIR}/${name}`, "partial");
      const journal = await openJournal({ fs, dir: DIR, name: "db" });
      await journal.close();
      const files = await fs.readdir(DIR);
      expect(files).not.toContain(swept);
      for (const name of kept) expect(files, name).toContain(name);
      expect(await tornCopies(fs)).toEqual(journal.recovery.quarantined);
    },
  );
});
