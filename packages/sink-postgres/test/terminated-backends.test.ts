// Backends terminated right after they connect, over and over, while a child process writes: the
// child must survive (no unhandled "error" event from a connection that ends in the middle of its
// hand-over by the pool) and every failed write must be a typed transient error.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const server = await serverForThisFile();
const CHILD = fileURLToPath(new URL("./fixtures/terminated-writer.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const WRITE_MS = 4_000;
const APP = "terminated";

interface Line {
  readonly type: string;
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly ok?: number;
}

if (server !== undefined) {
  describe("backends terminated right after connecting", () => {
    const killer = new pg.Client({ connectionString: server.url });
    killer.on("error", () => undefined);
    afterAll(() => killer.end());

    it("never crashes the writing process; every failure is a typed transient error", async () => {
      expect(existsSync(DIST), "build the package first (npm run build)").toBe(true);
      await killer.connect();
      const child = spawn(
        process.execPath,
        [CHILD, `${server.url}?application_name=${APP}`, String(WRITE_MS)],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const lines: Line[] = [];
      let stderr = "";
      child.stderr?.on("data", (data: Buffer) => {
        stderr += data.toString();
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
        lines.push(JSON.parse(text) as Line);
      });
      let exit: { code: number | null; signal: string | null } | undefined;
      const exited = new Promise<void>((resolve) =>
        child.once("exit", (code, signal) => {
          exit = { code, signal };
          resolve();
        }),
      );
      const hardStop = setTimeout(() => child.kill("SIGKILL"), WRITE_MS + 15_000);
      let terminated = 0;
      try {
        // Terminating starts once the sink is open: this is about the write path's connections.
        const openBy = Date.now() + 10_000;
        while (exit === undefined && !lines.some((line) => line.type === "open")) {
          if (Date.now() > openBy) throw new Error("the child did not open its sink");
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        while (exit === undefined) {
          const result = await killer.query<{ n: number }>(
            "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1",
            [APP],
          );
          terminated += result.rows[0]?.n ?? 0;
        }
        await exited;
      } finally {
        clearTimeout(hardStop);
        child.kill("SIGKILL");
      }
      expect(stderr).not.toMatch(/Unhandled 'error' event/);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(lines.at(-1)?.type).toBe("done");
      expect(terminated).toBeGreaterThan(10);
      const failures = lines.filter((line) => line.type.endsWith("fail"));
      expect(failures.length).toBeGreaterThan(0);
      for (const failure of failures) {
        expect(failure.name, failure.message).toBe("PersistenceError");
        expect(["ERR_IO", "ERR_BUSY"], failure.message).toContain(failure.code);
      }
    }, 30_000);
  });
}
