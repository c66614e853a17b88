// The failover story, run as a user would: start the owner A, freeze it (SIGSTOP: a long GC pause,
// a frozen VM, a network partition), let the standby B take over from A's last saved state, then
// resume A. A's next save is refused by the database (ERR_STALE) and A stops; B keeps the state.
//
//   DATABASE_URL=postgres://user@host/db node main.js
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openPostgresSink } from "@snapwrite/sink-postgres";

const url = process.env.DATABASE_URL;
if (url === undefined) {
  console.error("set DATABASE_URL to a PostgreSQL database this example may create tables in");
  process.exit(2);
}
const SERVICE = fileURLToPath(new URL("./service.js", import.meta.url));
const DEADLINE_MS = 30_000;

function start(name) {
  const child = spawn(process.execPath, [SERVICE, name], { stdio: ["ignore", "pipe", "inherit"] });
  const instance = { child, saved: 0, lines: [] };
  instance.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stdout }).on("line", (line) => {
    console.log(line);
    instance.lines.push(line);
    if (line.includes(": saved count")) instance.saved += 1;
  });
  return instance;
}

async function until(what, check) {
  const deadline = Date.now() + DEADLINE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const a = start("A");
let b;
try {
  await until("A to save a few times", () => a.saved >= 5);
  a.child.kill("SIGSTOP");
  console.log("main: A is frozen; starting B");
  b = start("B");
  await until("B to save a few times", () => b.saved >= 5);
  console.log("main: resuming A");
  a.child.kill("SIGCONT");
  let aCode;
  void a.exited.then((exitCode) => {
    aCode = exitCode;
  });
  await until("A to stop", () => aCode !== undefined);
  const code = aCode;
  console.log(`main: A exited with code ${code}`);
  // Stop B as an impatient operator does: SIGTERM and, at once, Ctrl-C. The second signal (either
  // may be handled first) must not cut the final save short.
  b.child.kill("SIGTERM");
  b.child.kill("SIGINT");
  const bCode = await b.exited;
  const sink = await openPostgresSink({ connectionString: url, schema: "shared_state" });
  const stored = JSON.parse(new TextDecoder().decode(await sink.read("counter.json")));
  await sink.close();
  console.log(`main: stored count ${stored.count}, owner ${stored.owner}`);
  const fenced = a.lines.some((line) => line.startsWith("A: fenced off"));
  const ok = fenced && code === 3 && bCode === 0 && stored.owner === "B";
  console.log(ok ? "main: A was fenced off, B's state is stored" : "main: UNEXPECTED OUTCOME");
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const instance of [a, b]) {
    if (instance !== undefined && instance.child.exitCode === null) {
      instance.child.kill("SIGCONT");
      instance.child.kill("SIGKILL");
    }
  }
}
