// A throwaway PostgreSQL server for tests, examples and benches: initdb into a temp dir, listen on
// 127.0.0.1 and a Unix socket inside that dir, stop and remove everything afterwards.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running throwaway server. */
export interface PgServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  /** The temp dir holding the data dir, the log and the Unix socket. */
  readonly dir: string;
  /** PID of the postmaster. */
  readonly pid: () => number;
  /** Stops the server (fast shutdown: open transactions roll back) and starts it again. */
  restart(): void;
  /** Stops the server and removes its dir; idempotent. */
  stop(): void;
}

/** Whether a server can be started here, and if not, why. */
export interface PgAvailability {
  readonly available: boolean;
  readonly reason: string;
  readonly bin?: string | undefined;
}

const ROOT = typeof process.getuid === "function" && process.getuid() === 0;
const running = new Set<PgServer>();
let guarded = false;

/** Finds the server binaries: `SNAPWRITE_PG_BIN`, else the highest `/usr/lib/postgresql/<major>/bin`. */
export function pgAvailability(): PgAvailability {
  const fromEnv = process.env.SNAPWRITE_PG_BIN;
  const candidates: string[] = fromEnv === undefined ? [] : [fromEnv];
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const majors = readdirSync(base)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) candidates.push(join(base, major, "bin"));
  }
  const bin = candidates.find((dir) => existsSync(join(dir, "initdb")));
  if (bin === undefined) {
    return { available: false, reason: "no PostgreSQL server binaries (initdb) found" };
  }
  if (ROOT) {
    try {
      execFileSync("id", ["postgres"], { stdio: "ignore", timeout: 5_000 });
    } catch {
      return { available: false, reason: "running as root but there is no postgres user" };
    }
  }
  return { available: true, reason: "", bin };
}

/**
 * True when the tests must run: `SNAPWRITE_REQUIRE_POSTGRES=1` (CI) turns a missing server into a
 * failure instead of a visible skip.
 */
export function requirePostgres(): boolean {
  return process.env.SNAPWRITE_REQUIRE_POSTGRES === "1";
}

function run(bin: string, command: string, args: string[], timeoutMs = 60_000): string {
  const file = join(bin, command);
  const [exe, argv] = ROOT ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  return execFileSync(exe, argv, { encoding: "utf8", timeout: timeoutMs, stdio: "pipe" });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a throwaway server; `fsync` defaults to on. Throws when none can be started. */
export async function startPgServer(options: { fsync?: boolean } = {}): Promise<PgServer> {
  const found = pgAvailability();
  if (!found.available || found.bin === undefined) throw new Error(found.reason);
  const bin = found.bin;
  const dir = mkdtempSync(join(tmpdir(), "snapwrite-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  let started = false;
  const port = await freePort();
  const serverOptions = [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-k ${dir}`,
    `-c fsync=${options.fsync === false ? "off" : "on"}`,
    "-c max_connections=60",
  ].join(" ");
  const start = () => {
    run(bin, "pg_ctl", ["-D", data, "-l", log, "-w", "-t", "30", "-o", serverOptions, "start"]);
    started = true;
  };
  const pid = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const halt = () => {
    if (!started) return;
    started = false;
    try {
      run(bin, "pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
    } catch {
      try {
        process.kill(pid(), "SIGQUIT");
      } catch {
        // Already gone.
      }
    }
  };
  const server: PgServer = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    pid,
    restart() {
      halt();
      start();
    },
    stop() {
      running.delete(server);
      halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    if (ROOT) execFileSync("chown", ["postgres:postgres", dir], { timeout: 5_000 });
    run(bin, "initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
      "--no-instructions",
    ]);
    start();
  } catch (error) {
    server.stop();
    const detail = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
    throw new Error(`could not start a throwaway PostgreSQL: ${String(error)}\n${detail}`);
  }
  running.add(server);
  if (!guarded) {
    guarded = true;
    // A test runner that dies before afterAll still stops every server it started.
    process.once("exit", () => {
      for (const each of [...running]) each.stop();
    });
  }
  return server;
}
