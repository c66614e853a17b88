import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import { expect, it } from "vitest";

const server = await serverForThisFile();
const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

it.skipIf(server === undefined)(
  "runs the failover story: B takes over from A's state, the resumed A is fenced off",
  async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [MAIN], {
      env: { ...process.env, DATABASE_URL: server?.url },
      timeout: 60_000,
    });
    const lines = stdout.split("\n");
    const takeover = lines.find((line) => line.startsWith("B: serving at epoch"));
    const aSaved = lines.filter((line) => line.startsWith("A: saved count"));
    const lastA = Number(aSaved[aSaved.length - 1]?.split(" ").pop());
    // B starts from A's last saved state, not from scratch.
    expect(Number(takeover?.split(" ").pop())).toBeGreaterThanOrEqual(lastA);
    expect(lines.some((line) => line.startsWith("A: fenced off"))).toBe(true);
    expect(lines).toContain("main: A exited with code 3");
    // B's second signal during its final save is logged, and B still saves and exits 0.
    expect(lines.some((line) => /^B: SIG(INT|TERM) again: still saving/.test(line))).toBe(true);
    expect(lines.some((line) => /^B: stopped with count \d+ \(saved\)$/.test(line))).toBe(true);
    expect(lines).toContain("main: A was fenced off, B's state is stored");
    expect(stdout).toMatch(/main: stored count \d+, owner B/);
  },
  90_000,
);
