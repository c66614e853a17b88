import * as nodeFs from "node:fs/promises";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type FsPort, loadTarget } from "@snapwrite/core";
import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink, type FsSink, type FsSinkOptions } from "../src/index.js";
import { jsonCodec as codec } from "./fixtures/json-codec.mjs";
import { createTempDirs } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

type Moment = "before" | "after";
type Hook = (moment: Moment, op: "link" | "rename", from: string, to: string) => Promise<void>;

/**
 * Node's file system with a hook around every `link` and `rename`, so a test can land a write of
 * another sink at an exact step of a quarantine.
 */
function hookedFs(hook: Hook, options: { hardLinks?: boolean } = {}): FsPort {
  return {
    ...(nodeFs as unknown as FsPort),
    async link(from, to) {
      await hook("before", "link", from, to);
      if (options.hardLinks === false) {
        throw Object.assign(new Error("no hard links here"), { code: "EPERM" });
      }
      await nodeFs.link(from, to);
      await hook("after", "link", from, to);
    },
    async rename(from, to) {
      await hook("before", "rename", from, to);
      await nodeFs.rename(from, to);
      await hook("after", "rename", from, to);
    },
  };
}

/** Runs `write` once, at the first call of the hook matching `when`; keeps its outcome. */
function landOnce(when: (moment: Moment, to: string) => boolean, write: () => Promise<unknown>) {
  const state: { outcome?: string } = {};
  const hook = async (moment: Moment, to: string): Promise<void> => {
    if (state.outcome !== undefined || !when(moment, to)) return;
    state.outcome = "pending";
    state.outcome = await write().then(
      () => "ok",
      (error: unknown) => String((error as { code?: unknown }).code),
    );
  };
  return { state, hook };
}

const isQuarantineName = (to: string): boolean => to.includes(".corrupt-");
const version = (v: string) => codec.encode({ v });

async function filesIn(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  const files: Record<string, string> = {};
  for (const name of names) files[name] = await readFile(join(dir, name), "utf8");
  return files;
}

/** A corrupt `s.json`, sink B writing to it, and sink A (lock as given) quarantining through `fs`. */
async function twoSinks(fs: (b: FsSink, dir: string) => FsPort, lock: FsSinkOptions["lock"]) {
  const dir = await dirs.make();
  await writeFile(join(dir, "s.json"), "{corrupt");
  const b = createFsSink({ dir });
  const a = createFsSink({ dir, fs: fs(b, dir), lock });
  return { dir, a, b };
}

describe.each([
  ["without the lock", false],
  ["with the lock on the quarantining sink only", { waitMs: 500 }],
] as const)("quarantine racing a write of another sink, %s", (_, lock) => {
  it("leaves a write that lands right after the move in place (never deletes it)", async () => {
    let landed!: ReturnType<typeof landOnce>;
    const { dir, a } = await twoSinks((b) => {
      landed = landOnce(
        (moment, to) => moment === "after" && isQuarantineName(to),
        () => b.write("s.json", version("new")),
      );
      return hookedFs((moment, _op, _from, to) => landed.hook(moment, to));
    }, lock);
    const result = await loadTarget(a, "s.json", codec);
    expect(landed.state.outcome).toBe("ok");
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CORRUPT" } });
    const moved = result.quarantinedTo as string;
    expect(moved).toMatch(/^s\.json\.corrupt-[0-9]+$/);
    expect(await filesIn(dir)).toEqual({ "s.json": '{"v":"new"}', [moved]: "{corrupt" });
  });

  it("puts back a write that lands between the check and the move, and loads it", async () => {
    let landed!: ReturnType<typeof landOnce>;
    const { dir, a } = await twoSinks((b) => {
      landed = landOnce(
        (moment, to) => moment === "before" && isQuarantineName(to),
        () => b.write("s.json", version("new")),
      );
      return hookedFs((moment, _op, _from, to) => landed.hook(moment, to));
    }, lock);
    const result = await loadTarget(a, "s.json", codec);
    expect(landed.state.outcome).toBe("ok");
    expect(result).toMatchObject({ ok: true, source: "primary", value: { v: "new" } });
    expect(result.quarantinedTo).toBeUndefined();
    expect(await filesIn(dir)).toEqual({ "s.json": '{"v":"new"}' });
  });

  it.each([
    [
      "right after the move",
      (moment: Moment, to: string) => moment === "after" && isQuarantineName(to),
    ],
    [
      "right before the put-back",
      (moment: Moment, to: string) => moment === "before" && to.endsWith("/s.json"),
    ],
  ])("keeps a moved newer version when a third write lands %s", async (_when, second) => {
    let first!: ReturnType<typeof landOnce>;
    let third!: ReturnType<typeof landOnce>;
    const { dir, a } = await twoSinks((b) => {
      first = landOnce(
        (moment, to) => moment === "before" && isQuarantineName(to),
        () => b.write("s.json", version("second")),
      );
      third = landOnce(second, () => b.write("s.json", version("third")));
      return hookedFs(async (moment, _op, _from, to) => {
        if (first.state.outcome === "ok") await third.hook(moment, to);
        await first.hook(moment, to);
      });
    }, lock);
    const quarantine = a.quarantine("s.json", "bad", {
      expected: new TextEncoder().encode("{corrupt"),
    });
    const error = await quarantine.catch((e: unknown) => e);
    expect([first.state.outcome, third.state.outcome]).toEqual(["ok", "ok"]);
    expect(error).toMatchObject({ code: "ERR_STALE", details: { reason: "changed" } });
    const keptAt = (error as { details: { keptAt: string } }).details.keptAt;
    expect(keptAt).toMatch(/^s\.json\.corrupt-[0-9]+$/);
    // The newest write holds the name; the one it superseded is kept, not deleted.
    expect(await filesIn(dir)).toEqual({ "s.json": '{"v":"third"}', [keptAt]: '{"v":"second"}' });
    expect(await loadTarget(a, "s.json", codec)).toMatchObject({ ok: true, value: { v: "third" } });
  });
});

describe("quarantine racing a write on a file system without hard links", () => {
  it("puts the newer version back with an existence check and a rename", async () => {
    let landed!: ReturnType<typeof landOnce>;
    const { dir, a } = await twoSinks((b) => {
      landed = landOnce(
        (moment, to) => moment === "before" && isQuarantineName(to),
        () => b.write("s.json", version("new")),
      );
      return hookedFs((moment, _op, _from, to) => landed.hook(moment, to), { hardLinks: false });
    }, false);
    const result = await loadTarget(a, "s.json", codec);
    expect(landed.state.outcome).toBe("ok");
    expect(result).toMatchObject({ ok: true, source: "primary", value: { v: "new" } });
    expect(await filesIn(dir)).toEqual({ "s.json": '{"v":"new"}' });
  });
});

describe("quarantine move failures", () => {
  it("leaves the target and no claimed name behind when the rename fails", async () => {
    const clock = { now: () => 9, setTimeout, clearTimeout } as FsSinkOptions["clock"];
    const memory = createMemoryFs({ "/data/a.json": "{bad" });
    const fs = createFaultyFs(memory, [
      { op: "rename", path: "/data/a.json", fault: { error: "EIO" } },
    ]);
    const sink = createFsSink({ dir: "/data", fs, clock });
    await expect(sink.quarantine("a.json", "bad")).rejects.toMatchObject({ code: "ERR_IO" });
    expect(memory.toJSON()).toEqual({ "/data/a.json": "{bad" });
    expect(await sink.quarantine("a.json", "bad")).toBe("a.json.corrupt-9");
    expect(memory.toJSON()).toEqual({ "/data/a.json.corrupt-9": "{bad" });
  });
});
