import { posix } from "node:path";
import { createCrashableFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { text, textChunks } from "./helpers.js";

const DIR = "/data";
const TARGET = posix.join(DIR, "app.json");

describe("power loss with the crashable file system", () => {
  it("keeps primary and backup complete in every crash state of a backed-up write", async () => {
    const fs = createCrashableFs({
      files: { [TARGET]: "old primary", [`${TARGET}.bak`]: "older backup" },
      maxStates: 3000,
    });
    const sink = createFsSink({ dir: DIR, fs, backup: true });
    const start = fs.trace.length;
    await sink.write("app.json", textChunks("new primary", 3));
    const end = fs.trace.length;
    const states = fs.crashStates({ from: start });
    expect(states.length).toBeGreaterThan(10);
    for (const state of states) {
      const crashed = state.fs();
      const fresh = createFsSink({ dir: DIR, fs: crashed, backup: true });
      const primary = text(await fresh.read("app.json"));
      expect(["old primary", "new primary"], state.description).toContain(primary);
      const backup = text(await fresh.read("app.json", { from: "backup" }));
      expect(["older backup", "old primary"], state.description).toContain(backup);
      if (primary === "new primary") expect(backup, state.description).toBe("old primary");
      if (state.afterOp >= end) expect(primary, state.description).toBe("new primary");
      await fresh.sweep();
      const left = (await crashed.readdir(DIR)).filter((name) => name.endsWith(".tmp"));
      expect(left, state.description).toEqual([]);
    }
  });

  it("keeps a resolved write in new nested directories through every later crash", async () => {
    const fs = createCrashableFs({ files: { [DIR]: null } });
    const sink = createFsSink({ dir: DIR, fs });
    await sink.write("a/b/c/app.json", textChunks("nested"));
    const end = fs.trace.length;
    const dirSyncs = fs.trace.filter(
      (entry) => entry.op === "fsync" && !entry.path.endsWith(".tmp"),
    );
    // The parents of the three created directories, then the file's own directory.
    expect(dirSyncs.map((entry) => entry.path)).toEqual([
      DIR,
      `${DIR}/a`,
      `${DIR}/a/b`,
      `${DIR}/a/b/c`,
    ]);
    for (const state of fs.crashStates({ from: end })) {
      const fresh = createFsSink({ dir: DIR, fs: state.fs() });
      expect(text(await fresh.read("a/b/c/app.json")), state.description).toBe("nested");
    }
  });

  it('can lose or tear an "atomic" write on power loss, which is why it reports durable: false', async () => {
    const fs = createCrashableFs({ files: { [TARGET]: "old primary" } });
    const sink = createFsSink({ dir: DIR, fs, durability: "atomic" });
    const start = fs.trace.length;
    expect((await sink.write("app.json", textChunks("new primary"))).durable).toBe(false);
    const seen = new Set<string>();
    for (const state of fs.crashStates({ from: start })) {
      const fresh = createFsSink({ dir: DIR, fs: state.fs() });
      seen.add(text(await fresh.read("app.json").catch(() => new Uint8Array())));
    }
    expect(
      [...seen].some((content) => content !== "old primary" && content !== "new primary"),
    ).toBe(true);
  });
});
