// One instance of a small service: it owns a counter, bumps it every 40 ms and saves it through a
// PostgreSQL sink shared with its standby. On SIGTERM it saves the newest state and exits; when a
// save reports ERR_STALE, a newer instance has taken over: it stops serving at once (exit code 3).
import { createPersistenceWriter, loadTarget } from "@snapwrite/core";
import { createJsonCodec } from "@snapwrite/formats-json";
import { openPostgresSink } from "@snapwrite/sink-postgres";

const name = process.argv[2] ?? "instance";
const log = (message) => process.stdout.write(`${name}: ${message}\n`);
const codec = createJsonCodec();
const CLOSE_TIMEOUT_MS = 5000;

const sink = await openPostgresSink({
  connectionString: process.env.DATABASE_URL,
  schema: "shared_state",
  // A frozen owner that holds the head row's lock mid-write loses its session after 1 s, and a
  // new owner waiting for that lock retries (ERR_LOCKED is transient) instead of hanging.
  idleInTransactionTimeoutMs: 1000,
  lockTimeoutMs: 2000,
});
const loaded = await loadTarget(sink, "counter.json", codec);
let state = loaded.ok ? loaded.value : { count: 0, owner: null };
log(`serving at epoch ${sink.epoch}, starting from count ${state.count}`);

const countOf = new Map();
const writer = createPersistenceWriter({
  sink,
  retry: { initialMs: 50, maxMs: 500 },
  onResult(result) {
    if (result.ok) {
      log(`saved count ${countOf.get(result.generation)}`);
    } else if (result.error.code === "ERR_STALE") {
      log(`fenced off: ${result.error.message}`);
      process.exit(3);
    } else {
      log(`save failed (${result.error.code}), retrying: ${result.willRetry}`);
    }
  },
});
const counter = writer.register("counter.json", { snapshot: () => state, codec, debounceMs: 0 });

const ticker = setInterval(() => {
  state = { count: state.count + 1, owner: name };
  const ticket = counter.request("tick", { urgency: "immediate" });
  countOf.set(ticket.generation, state.count);
}, 40);

// SIGTERM or SIGINT saves the newest state and exits. The handlers stay installed: a second signal
// during the close is logged and the close goes on within its deadline, instead of the default
// action killing the process before the final save.
let stopping = false;
const onSignal = async (signal) => {
  if (stopping) {
    log(`${signal} again: still saving (deadline ${CLOSE_TIMEOUT_MS} ms)`);
    return;
  }
  stopping = true;
  log(`${signal}: saving the newest state`);
  clearInterval(ticker);
  const report = await writer.close({ timeoutMs: CLOSE_TIMEOUT_MS });
  await sink.close();
  log(`stopped with count ${state.count} (${report.ok ? "saved" : "NOT saved"})`);
  process.exit(report.ok ? 0 : 1);
};
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
