import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

// The child processes import the built package (and the fixtures run in worker threads): `npx
// turbo run build --filter=@snapwrite/executor-worker...` before these tests (turbo's test task does).
const DIST = new URL("../dist/index.js", import.meta.url).href;
const LINES = new URL("./fixtures/lines-replica-worker.mjs", import.meta.url).href;
const KNOWN_STORE = new URL("./fixtures/known-store-worker.mjs", import.meta.url).href;
const EXIT_DEADLINE_MS = 10_000;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapwrite-worker-exit-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ChildExit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the child was still running at the deadline (it was killed then). */
  readonly timedOut: boolean;
}

/** Runs an ES module script in a new Node process; kills it at the deadline. */
function runChild(script: string): Promise<ChildExit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      {
        timeout: EXIT_DEADLINE_MS,
        killSignal: "SIGKILL",
        cwd: fileURLToPath(new URL("..", import.meta.url)),
      },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: unknown; killed?: boolean }) | null;
        resolve({
          code: failure === null ? 0 : typeof failure.code === "number" ? failure.code : null,
          stdout: stdout.trim(),
          stderr,
          timedOut: failure?.killed === true,
        });
      },
    );
  });
}

/** A script that leaves one worker replica of the lines fixture as `body` leaves it (never closed). */
function replicaScript(body: string): string {
  return `
    import { createPersistenceWriter } from "@snapwrite/core";
    import { createWorkerReplica } from ${JSON.stringify(DIST)};
    const replica = createWorkerReplica({ module: new URL(${JSON.stringify(LINES)}), options: { dir: ${JSON.stringify(dir)} } });
    const writer = createPersistenceWriter({});
    ${body}
  `;
}

const pause = "await new Promise((resolve) => setTimeout(resolve, 200));";
const report = "console.log(JSON.stringify(replica.stats));";

/** Idle replicas at each point of their life: none may hold the process open. */
const idleCases: ReadonlyArray<{ readonly when: string; readonly body: string }> = [
  { when: "just created", body: report },
  {
    when: "registered with a writer",
    body: `writer.register("a.txt", { runner: replica });${report}`,
  },
  {
    when: "patched, never saved",
    body: `replica.patch({ op: "set", key: "a", value: "1" });${report}`,
  },
  {
    when: "patched with bytes, never saved",
    body: `replica.patchBytes(1, new TextEncoder().encode("a=1"));${report}`,
  },
  {
    when: "ready, its patches delivered, never saved",
    body: `writer.register("a.txt", { runner: replica });
      replica.patch({ op: "set", key: "a", value: "1" });
      replica.patchBytes(1, new TextEncoder().encode("b=2"));
      ${pause}${report}`,
  },
  {
    when: "saved, then patched again",
    body: `const known = writer.register("a.txt", { runner: replica, debounceMs: 0 });
      replica.patch({ op: "set", key: "a", value: "1" });
      await known.saveNow("first");
      replica.patch({ op: "set", key: "a", value: "2" });
      ${report}`,
  },
];

describe("a worker replica and the process's exit", () => {
  it.each(idleCases)("lets the process exit by itself when idle: $when", async ({ body }) => {
    const exit = await runChild(replicaScript(body));
    expect(exit.timedOut, `still running after ${EXIT_DEADLINE_MS} ms`).toBe(false);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toMatchObject({ alive: true, spawns: 1, dropped: 0 });
  });

  it("keeps the process alive while a save runs, then lets it exit", async () => {
    const body = `const known = writer.register("slow.txt", { runner: replica, debounceMs: 0 });
      replica.patch({ op: "control", control: { sink: ["delay"] } });
      replica.patch({ op: "set", key: "done", value: "yes" });
      known.request("last", { urgency: "immediate" }).settled.then((r) => console.log(r.ok));`;
    const exit = await runChild(replicaScript(body));
    expect(exit.timedOut, `still running after ${EXIT_DEADLINE_MS} ms`).toBe(false);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toBe("true");
    expect(await readFile(join(dir, "slow.txt"), "utf8")).toBe("done=yes\n");
  });

  it("lets the process exit by itself with an idle store replica that never wrote a snapshot", async () => {
    const script = `
      import { knownMetCodec, knownMetOps, applyKnownMetOps } from "@snapwrite/formats-met";
      import { openDurableStore } from "@snapwrite/store";
      import { createStoreReplica } from ${JSON.stringify(DIST)};
      const replica = createStoreReplica({ module: new URL(${JSON.stringify(KNOWN_STORE)}), options: { dir: ${JSON.stringify(dir)} } });
      const { store } = await openDurableStore({
        dir: ${JSON.stringify(dir)}, name: "known", codec: knownMetCodec, ops: knownMetOps,
        apply: (state, ops) => ({ header: state.header, records: applyKnownMetOps(state.records, ops) }),
        empty: () => ({ header: "auto", records: [] }), compaction: false, replica,
      });
      const hash = new Uint8Array(16).fill(7);
      const committed = await store.commit("one", () => [{ op: "remove", hash }]).settled;
      ${pause}
      console.log(JSON.stringify({ ok: committed.ok, ...replica.stats }));
    `;
    const exit = await runChild(script);
    expect(exit.timedOut, `still running after ${EXIT_DEADLINE_MS} ms`).toBe(false);
    expect(exit.stderr).toBe("");
    expect(exit.code).toBe(0);
    expect(JSON.parse(exit.stdout)).toMatchObject({ ok: true, alive: true, seq: 1, snapshots: 0 });
  });
});
