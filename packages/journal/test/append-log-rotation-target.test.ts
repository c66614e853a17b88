import {
  lstatSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";
import { canMkfifo, mkfifo, rejectionWithin, TempDirs } from "./real-fs.js";

const temps = new TempDirs("append-log-rotation-target-");
afterEach(() => temps.removeAll());

const ROTATED = "a.0000000000000001.jsonl";

type Kind = "directory" | "fifo" | "symlink";

/** Puts a `kind` at `path`; a symlink leads to `outside`, a regular file elsewhere. */
function occupy(kind: Kind, path: string, outside: string): void {
  if (kind === "directory") mkdirSync(path);
  else if (kind === "fifo") mkfifo(path);
  else symlinkSync(outside, path);
}

async function records(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const entry of readAppendLog({ path })) {
    if ("problem" in entry) throw new Error(`damage: ${entry.problem}`);
    out.push(entry.value);
  }
  return out;
}

describe("append log rotation onto a name that is taken", () => {
  const kinds: Kind[] = canMkfifo ? ["directory", "fifo", "symlink"] : ["directory", "symlink"];
  for (const kind of kinds) {
    it(`refuses a ${kind} at the rotated name, changes nothing, and rotates once it is gone`, async () => {
      const dir = await temps.create();
      const path = join(dir, "a.jsonl");
      const outside = join(dir, "outside.txt");
      writeFileSync(outside, "not a log\n");
      const log = await openAppendLog({ path, rotate: { maxBytes: 200 } });
      await log.append({ n: 1, pad: "x".repeat(200) });
      const taken = join(dir, ROTATED);
      occupy(kind, taken, outside);
      const reason = kind === "symlink" ? "symlink" : "not-a-regular-file";
      for (let i = 0; i < 3; i++) {
        const error = await rejectionWithin(log.append({ n: 2 + i }));
        expect(error).toMatchObject({
          code: "ERR_INVALID_TARGET",
          details: { reason, path: taken, committed: false },
        });
      }
      await expect(rejectionWithin(log.rotate())).resolves.toMatchObject({
        code: "ERR_INVALID_TARGET",
        details: { reason },
      });
      // Nothing replaced, nothing written through the link, the active file as it was.
      const stats = lstatSync(taken);
      expect(kind === "directory" ? stats.isDirectory() : true).toBe(true);
      expect(kind === "fifo" ? stats.isFIFO() : true).toBe(true);
      expect(kind === "symlink" ? stats.isSymbolicLink() : true).toBe(true);
      expect(readFileSync(outside, "utf8")).toBe("not a log\n");
      // (readAppendLog refuses the log while the name is taken, as it should.)
      const lines = readFileSync(path, "utf8").trimEnd().split("\n");
      expect(lines.slice(1).map((line) => JSON.parse(line).value)).toEqual([
        { n: 1, pad: "x".repeat(200) },
      ]);

      if (kind === "directory") rmdirSync(taken);
      else unlinkSync(taken);
      expect((await log.append({ n: 9 })).seq).toBe(2);
      expect((await log.close()).ok).toBe(true);
      const files = (await readdir(dir)).filter((f) => !f.endsWith(".lock")).sort();
      expect(files).toEqual([ROTATED, "a.jsonl", "outside.txt"].sort());
      expect(await records(path)).toEqual([{ n: 1, pad: "x".repeat(200) }, { n: 9 }]);
    });
  }

  it("refuses a regular file at the rotated name (ERR_STALE, taken) and never replaces it", async () => {
    const dir = await temps.create();
    const path = join(dir, "a.jsonl");
    const log = await openAppendLog({ path, rotate: { maxBytes: 200 } });
    await log.append({ n: 1, pad: "x".repeat(200) });
    const taken = join(dir, ROTATED);
    writeFileSync(taken, "someone else's file\n");
    const error = await rejectionWithin(log.append({ n: 2 }));
    expect(error).toMatchObject({
      code: "ERR_STALE",
      details: { reason: "taken", file: ROTATED, committed: false },
    });
    expect(readFileSync(taken, "utf8")).toBe("someone else's file\n");
    unlinkSync(taken);
    expect((await log.append({ n: 3 })).seq).toBe(2);
    expect((await log.close()).ok).toBe(true);
    expect(await records(path)).toEqual([{ n: 1, pad: "x".repeat(200) }, { n: 3 }]);
  });
});
