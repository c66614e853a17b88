import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openFollowerStore } from "../src/index.js";
import { type AddOp, addOpsCodec, applyAdds, type Counters, countersCodec } from "./counters.js";
import { countersStoreScript, runScript, STORE_DIST } from "./counters-script.js";

const COMMITS = 60;

/** The writer process: COMMITS commits (a few ms apart), compacting twice on the way. */
const writerScript = (dir: string) =>
  countersStoreScript(
    dir,
    "compaction: false, maxSegmentBytes: 512,",
    `let compactions = 0;
  for (let i = 1; i <= ${COMMITS}; i++) {
    const r = await store.commit("add", (s) => [{ op: "add", key: "k" + (i % 7), n: (s["k" + (i % 7)] ?? 0) + i }]).settled;
    if (!r.ok) throw r.error;
    if (i % 25 === 0) { await store.compact("child"); compactions++; }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const root = store.read();
  await store.close();
  process.stdout.write(JSON.stringify({ ...root, compactions }));`,
  );

async function runWriter(
  dir: string,
): Promise<{ value: Counters; seq: number; compactions: number }> {
  const { error, stdout, stderr } = await runScript(writerScript(dir));
  if (error) throw new Error(`writer process failed: ${error.message}\n${stderr}`);
  return JSON.parse(stdout);
}

describe("a follower in another process than the writer", () => {
  it.skipIf(!existsSync(STORE_DIST))(
    "follows a writer process through commits and compactions to the same state and seq",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "snapwrite-follow-"));
      try {
        const { store: follower } = await openFollowerStore<Counters, AddOp>({
          dir,
          codec: countersCodec,
          ops: addOpsCodec,
          apply: applyAdds,
          empty: () => Object.freeze({}),
          refresh: { intervalMs: 10 },
        });
        const written = await runWriter(dir);
        expect(written.seq).toBe(COMMITS);
        expect(written.compactions).toBe(2);

        const until = Date.now() + 5_000;
        while (follower.read().seq < written.seq && Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(follower.read()).toEqual({ value: written.value, seq: written.seq });
        // It followed along (not one load at the end) and touched no file.
        expect(follower.health().groups + follower.health().reloads).toBeGreaterThan(1);
        expect(follower.health().lastError).toBeUndefined();
        expect((await readdir(dir)).some((n) => n.includes("quarantine"))).toBe(false);
        expect((await follower.close()).ok).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    30_000,
  );
});
