import * as nodeFs from "node:fs/promises";
import type { FsPort } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { openCounters } from "./counters.js";
import { countersStoreScript, runScript } from "./counters-script.js";
import { tempDirs } from "./wait-and-dirs.js";

const newDir = tempDirs("snapwrite-write-behind-");

/** A plain script that mutates once; `awaitSettled`: then awaits the result and closes. */
const script = (dir: string, awaitSettled: boolean) =>
  countersStoreScript(
    dir,
    "compaction: false, writeBehind: { debounceMs: 20, maxDelayMs: 50 },",
    `const ticket = store.mutate("m", () => [{ op: "add", key: "x", n: 42 }]);
  ${
    awaitSettled
      ? `const r = await ticket.settled;
  process.stdout.write(JSON.stringify({ ok: r.ok, seq: r.seq }));
  await store.close();`
      : ""
  }`,
  );

async function run(dir: string, awaitSettled: boolean): Promise<{ code: number; stdout: string }> {
  const { code, stdout } = await runScript(script(dir, awaitSettled));
  return { code, stdout };
}

async function persisted(dir: string) {
  const { store } = await openCounters(nodeFs as unknown as FsPort, { dir });
  const root = store.read();
  await store.close();
  return root;
}

describe("write-behind in a plain script", () => {
  it("`await store.mutate(...).settled` keeps the process alive until the change is journaled", async () => {
    const dir = await newDir();
    // Before the fix the process exited with 13 (unsettled top-level await), nothing written.
    expect(await run(dir, true)).toEqual({ code: 0, stdout: JSON.stringify({ ok: true, seq: 1 }) });
    expect(await persisted(dir)).toEqual({ value: { x: 42 }, seq: 1 });
  }, 30_000);

  it("a script that only mutates exits once the flush wrote the change", async () => {
    const dir = await newDir();
    expect(await run(dir, false)).toEqual({ code: 0, stdout: "" });
    expect(await persisted(dir)).toEqual({ value: { x: 42 }, seq: 1 });
  }, 30_000);
});
