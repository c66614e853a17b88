import { readdir, readFile, readlink, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "@snapwrite/core";
import { isPersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, tempFilesIn, text, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

function fixedClock(at: number): Clock & { at: number } {
  const clock = {
    at,
    now: () => clock.at,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  return clock;
}

describe("backup", () => {
  it("keeps the previous version as <name>.bak once a newer one is complete", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write("known.met", textChunks("v1"));
    expect(await readdir(dir)).toEqual(["known.met"]);
    await expect(sink.read("known.met", { from: "backup" })).rejects.toMatchObject({
      code: "ERR_NOT_FOUND",
    });
    await sink.write("known.met", textChunks("v2"));
    await sink.write("known.met", textChunks("v3"));
    expect(text(await sink.read("known.met"))).toBe("v3");
    expect(text(await sink.read("known.met", { from: "backup" }))).toBe("v2");
    expect((await readdir(dir)).sort()).toEqual(["known.met", "known.met.bak"]);
  });

  it("leaves the backup alone without the option", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "a.bak"), "old backup");
    const sink = createFsSink({ dir });
    await sink.write("a", textChunks("v1"));
    await sink.write("a", textChunks("v2"));
    expect(await readFile(join(dir, "a.bak"), "utf8")).toBe("old backup");
  });

  it("never rotates the backup when the new version fails", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write("a", textChunks("v1"));
    await sink.write("a", textChunks("v2"));
    function* failing() {
      yield new TextEncoder().encode("v3-partial");
      throw new Error("encoder broke");
    }
    await expect(sink.write("a", failing())).rejects.toMatchObject({ stage: "write" });
    expect(text(await sink.read("a"))).toBe("v2");
    expect(text(await sink.read("a", { from: "backup" }))).toBe("v1");
    expect(await tempFilesIn(dir)).toEqual([]);
  });
});

describe("quarantine", () => {
  it("moves the file to a unique <name>.corrupt-<time> and returns it as a readable target", async () => {
    const dir = await dirs.make();
    const clock = fixedClock(1_700_000_000_000);
    const sink = createFsSink({ dir, clock });
    await sink.write("state/a.json", textChunks("{bad"));
    const where = await sink.quarantine("state/a.json", "decode failed");
    expect(where).toBe("state/a.json.corrupt-1700000000000");
    expect(text(await sink.read(where))).toBe("{bad");
    await expect(sink.read("state/a.json")).rejects.toMatchObject({ code: "ERR_NOT_FOUND" });

    await sink.write("state/a.json", textChunks("{bad again"));
    expect(await sink.quarantine("state/a.json", "again")).toBe(
      "state/a.json.corrupt-1700000000000-1",
    );
    expect(text(await sink.read("state/a.json.corrupt-1700000000000"))).toBe("{bad");
  });

  it("keeps at most maxQuarantined versions, deleting the oldest", async () => {
    const dir = await dirs.make();
    const clock = fixedClock(1000);
    const sink = createFsSink({ dir, clock, maxQuarantined: 2 });
    const moved: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      clock.at = 1000 + i;
      await sink.write("a", textChunks(`bad ${i}`));
      moved.push(await sink.quarantine("a", "bad"));
    }
    expect((await readdir(dir)).sort()).toEqual(["a.corrupt-1002", "a.corrupt-1003"]);
    expect(text(await sink.read(moved[3] as string))).toBe("bad 3");
  });

  it("orders same-millisecond quarantines by their counter when pruning", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, clock: fixedClock(5), maxQuarantined: 3 });
    for (let i = 0; i < 12; i += 1) {
      await sink.write("a", textChunks(`bad ${i}`));
      await sink.quarantine("a", "bad");
    }
    expect((await readdir(dir)).sort()).toEqual([
      "a.corrupt-5-10",
      "a.corrupt-5-11",
      "a.corrupt-5-9",
    ]);
  });

  it("rejects quarantining a missing file with ERR_NOT_FOUND", async () => {
    const dir = await dirs.make();
    const error = await createFsSink({ dir })
      .quarantine("nothing", "bad")
      .catch((e: unknown) => e);
    expect(isPersistenceError(error, "ERR_NOT_FOUND")).toBe(true);
  });

  it("moves the file a symlinked target points to, leaving a dangling link", async () => {
    const dir = await dirs.make();
    const outside = await dirs.make();
    await writeFile(join(outside, "real.json"), "{bad");
    await symlink(join(outside, "real.json"), join(dir, "a.json"));
    const clock = fixedClock(42);
    const sink = createFsSink({ dir, clock, followSymlinksOutsideRoot: true });
    const where = await sink.quarantine("a.json", "bad");
    expect(where).toBe(join(outside, "real.json.corrupt-42"));
    expect(await readFile(where, "utf8")).toBe("{bad");
    expect(await readlink(join(dir, "a.json"))).toBe(join(outside, "real.json"));
    await sink.write("a.json", textChunks("{}"));
    expect(await readFile(join(outside, "real.json"), "utf8")).toBe("{}");
    expect((await stat(join(dir, "a.json"))).isFile()).toBe(true);
  });
});
