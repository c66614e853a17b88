import { execFile } from "node:child_process";
import * as nodeFs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { FsPort } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { openCounters } from "./counters.js";
import { tempDirs } from "./wait-and-dirs.js";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const newDir = tempDirs("snapwrite-write-behind-");

/** A plain script that mutates once; `awaitSettled`: then awaits the result and closes. */
const script = (dir: string, awaitSettled: boolean) => `
  import { openDurableStore } from ${JSON.stringify(dist)};
  const enc = new TextEncoder(), dec = new TextDecoder();
  const json = { encode: (v) => enc.encode(JSON.stringify(v)), decode: (b) => JSON.parse(dec.decode(b)) };
  const { store } = await openDurableStore({
    dir: ${JSON.stringify(dir)},
    codec: { name: "counters-json", *encode(v) { yield json.encode(v); }, decode: json.decode },
    ops: { name: "add-ops", ...json },
    apply: (s, ops) => { const n = { ...s }; for (const o of ops) n[o.key] = (n[o.key] ?? 0) + o.n; return n; },
    empty: () => ({}),
    compaction: false,
    writeBehind: { debounceMs: 20, maxDelayMs: 50 },
  });
  const ticket = store.mutate("m", () => [{ op: "add", key: "x", n: 42 }]);
  ${
    awaitSettled
      ? `const r = await ticket.settled;
  process.stdout.write(JSON.stringify({ ok: r.ok, seq: r.seq }));
  await store.close();`
      : ""
  }
`;

function run(dir: string, awaitSettled: boolean): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script(dir, awaitSettled)],
      { encoding: "utf8", timeout: 20_000 },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout }),
    );
  });
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
