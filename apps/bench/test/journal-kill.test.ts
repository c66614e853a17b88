import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { killTable, runKillRounds } from "../src/journal-kill.js";
import { readLines } from "../src/kill-records.js";

const script = resolve(import.meta.dirname, "..", "dist", "journal-append.js");
const journalBuilt = existsSync(
  resolve(import.meta.dirname, "..", "..", "..", "packages", "journal", "dist", "index.js"),
);

describe("journal kill experiment", () => {
  it("reads back a line file: ids of parsable lines, garbled and torn lines counted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "snapwrite-kill-test-"));
    try {
      const path = join(dir, "x.log");
      await writeFile(path, '{"p":0,"i":1}\n{"p":0,"i":2\n{"level":30,"p":3,"i":4}\n{"p":1,');
      const found = await readLines(path);
      expect([...found.ids].sort()).toEqual(["0:1", "3:4"]);
      expect(found.torn).toBe(2);
      expect((await readLines(join(dir, "absent.log"))).ids.size).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(script) || !journalBuilt)(
    "kills a real child appending to the journal and finds every acknowledged record (needs the built bench and journal)",
    async () => {
      const dirs: string[] = [];
      const rows = await runKillRounds(
        script,
        2,
        async () => {
          const dir = await mkdtemp(join(tmpdir(), "snapwrite-kill-test-"));
          dirs.push(dir);
          return dir;
        },
        (dir) => rm(dir, { recursive: true, force: true }),
        () => 0,
        (id) => id === 'snapwrite openJournal (durability: "commit")',
      );
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row?.error).toBeUndefined();
      expect(row?.acknowledged).toBeGreaterThan(0);
      expect(row?.missing).toBe(0);
      expect(row?.torn).toBe(0);
      expect(killTable(rows)[2]).toContain("openJournal");
      for (const dir of dirs) expect(existsSync(dir)).toBe(false);
    },
    30_000,
  );
});
