import {
  type Codec,
  createPersistenceWriter,
  isPersistenceError,
  PersistenceError,
  type Sink,
  type WriteResult,
} from "@snapwrite/core";
import { withFaults } from "../faulty-sink.js";
import { describeError, ensure, within, yieldTurns } from "./assertions.js";
import { ContractViolation } from "./contract-violation.js";
import { createManualClock, type ManualClock } from "./manual-clock.js";

interface Counter {
  readonly n: number;
  readonly note: string;
}

/** A tiny codec for the scenarios: `{"n":…,"note":…}` as UTF-8. */
const counterCodec: Codec<Counter> = {
  name: "testkit-counter",
  *encode(value) {
    yield new TextEncoder().encode(JSON.stringify(value));
  },
  decode(bytes) {
    try {
      const parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      if (typeof parsed?.n !== "number") throw new Error("no n");
      return parsed as Counter;
    } catch (error) {
      throw new PersistenceError("ERR_CORRUPT", "not a counter", {
        details: { offset: 0, reason: String(error) },
        cause: error,
      });
    }
  },
};

const REAL_TIME_LIMIT_MS = 15_000;

async function stored(check: string, sink: Sink, target: string): Promise<Counter> {
  try {
    return counterCodec.decode(await sink.read(target));
  } catch (error) {
    throw new ContractViolation(check, `reading ${target} failed: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** Lets I/O progress without moving the clock; advances it by `stepMs` only when nothing else is pending. */
async function drive(
  check: string,
  clock: ManualClock,
  done: () => boolean,
  stepMs: number,
  what: string,
): Promise<void> {
  const started = Date.now();
  // Bounded by real time, not by steps: a sink doing real I/O (a database under load) may need
  // more wall time than a few thousand event-loop turns, so later steps also give it real time.
  for (let step = 0; Date.now() - started <= REAL_TIME_LIMIT_MS; step++) {
    if (done()) return;
    await yieldTurns(3);
    if (done()) return;
    if (step % 4 === 3) clock.advance(stepMs);
    if (step >= 1_000) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (!done()) throw new ContractViolation(check, `${what} did not happen`);
}

function settledFlag<T>(promise: Promise<T>): {
  readonly done: boolean;
  readonly value: Promise<T>;
} {
  const state = { done: false, value: promise };
  promise.then(
    () => {
      state.done = true;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}

/**
 * Burst: many debounced requests make no write before the debounce window passes, then exactly
 * one write covering all of them, with the newest state.
 */
export async function checkWriterBurst(sink: Sink): Promise<void> {
  const check = "checkWriterBurst";
  const clock = createManualClock();
  const faulty = withFaults(sink);
  const writer = createPersistenceWriter({ sink: faulty, clock, executor: "inline" });
  let state: Counter = { n: 0, note: "start" };
  const target = "writer-burst.json";
  const handle = writer.register(target, {
    snapshot: () => state,
    codec: counterCodec,
    debounceMs: 100,
    maxDelayMs: 10_000,
  });
  try {
    const tickets = [];
    for (let i = 1; i <= 50; i++) {
      state = { n: i, note: `tick ${i}` };
      tickets.push(handle.request("tick"));
      if (i % 10 === 0) clock.advance(10);
    }
    await yieldTurns(5);
    ensure(
      check,
      faulty.calls.filter((call) => call.op === "write").length === 0,
      "the writer wrote before the debounce window passed",
    );
    clock.advance(100);
    const last = tickets[tickets.length - 1];
    if (last === undefined) throw new ContractViolation(check, "no ticket");
    const lastSettled = settledFlag(last.settled);
    await drive(check, clock, () => lastSettled.done, 10, "the burst's write");
    const results = await Promise.all(tickets.map((ticket) => ticket.settled));
    for (const result of results) {
      ensure(
        check,
        result.ok && result.generation === 50,
        `every ticket must settle with the successful write of generation 50, got ${JSON.stringify(result)}`,
      );
    }
    const writes = faulty.calls.filter((call) => call.op === "write");
    ensure(
      check,
      writes.length === 1,
      `a burst of 50 requests made ${writes.length} writes, not 1`,
    );
    const content = await stored(check, sink, target);
    ensure(check, content.n === 50, `the stored state is n=${content.n}, expected 50`);
  } finally {
    await writer.close({ timeoutMs: 0 });
  }
}

/** Final save: `close()` writes a pending debounced request at once, without waiting for the debounce. */
export async function checkWriterFinalSave(sink: Sink): Promise<void> {
  const check = "checkWriterFinalSave";
  const clock = createManualClock();
  const writer = createPersistenceWriter({ sink, clock, executor: "inline" });
  let state: Counter = { n: 0, note: "start" };
  const target = "writer-final.json";
  const handle = writer.register(target, {
    snapshot: () => state,
    codec: counterCodec,
    debounceMs: 60_000,
    maxDelayMs: 600_000,
  });
  state = { n: 1, note: "first" };
  handle.request("edit");
  state = { n: 2, note: "final" };
  const ticket = handle.request("edit");
  const report = await within(
    check,
    writer.close({ timeoutMs: 10_000 }),
    REAL_TIME_LIMIT_MS,
    "close() with a pending save (the clock never moves)",
  );
  const line = report.targets.find((entry) => entry.target === target);
  ensure(
    check,
    report.ok && line?.outcome === "written",
    `close() must report the target written, got ${JSON.stringify(report)}`,
  );
  const result = await ticket.settled;
  ensure(check, result.ok, `the last ticket must settle ok, got ${JSON.stringify(result)}`);
  const content = await stored(check, sink, target);
  ensure(check, content.n === 2, `the final save stored n=${content.n}, expected 2`);
  let closedError: unknown;
  try {
    handle.request("late");
  } catch (error) {
    closedError = error;
  }
  ensure(
    check,
    isPersistenceError(closedError, "ERR_CLOSED"),
    `request() after close() must throw ERR_CLOSED, got ${describeError(closedError)}`,
  );
}

/**
 * Hung sink at shutdown: a write that never finishes makes `close()` give up at its deadline,
 * report the target `timed-out`, abort the sink's write, settle the ticket with a failure, and
 * leave the stored content untouched.
 */
export async function checkWriterHungSinkAtShutdown(sink: Sink): Promise<void> {
  const check = "checkWriterHungSinkAtShutdown";
  const target = "writer-hung.json";
  await sink.write(target, counterCodec.encode({ n: 0, note: "before" }));
  const clock = createManualClock();
  const faulty = withFaults(sink, [{ op: "write", fault: { hang: true } }]);
  const writer = createPersistenceWriter({ sink: faulty, clock, executor: "inline" });
  const handle = writer.register(target, {
    snapshot: () => ({ n: 1, note: "never stored" }),
    codec: counterCodec,
  });
  const ticket = handle.request("edit", { urgency: "immediate" });
  await within(check, faulty.waitForHang(), REAL_TIME_LIMIT_MS, "the hung write");
  const closing = settledFlag(writer.close({ timeoutMs: 500 }));
  await yieldTurns(5);
  ensure(check, !closing.done, "close() returned before its deadline while a write was in flight");
  clock.advance(500);
  await drive(check, clock, () => closing.done, 100, "close() at its deadline");
  const report = await closing.value;
  const line = report.targets.find((entry) => entry.target === target);
  ensure(
    check,
    !report.ok && line?.outcome === "timed-out",
    `close() must report the target timed-out, got ${JSON.stringify(report)}`,
  );
  const result = await within(check, ticket.settled, REAL_TIME_LIMIT_MS, "the ticket");
  ensure(
    check,
    !result.ok &&
      (isPersistenceError(result.error, "ERR_TIMEOUT") ||
        isPersistenceError(result.error, "ERR_ABORTED")),
    `the ticket must settle with ERR_TIMEOUT or ERR_ABORTED, got ${JSON.stringify(result)}`,
  );
  await drive(check, clock, () => faulty.calls[0]?.outcome !== "pending", 100, "the abort");
  ensure(
    check,
    faulty.calls[0]?.error === "ERR_ABORTED",
    `the sink's write must be aborted through its signal, it ended with ${String(faulty.calls[0]?.error)}`,
  );
  const content = await stored(check, sink, target);
  ensure(check, content.n === 0, `the stored state changed to n=${content.n}`);
}

/**
 * Failing then recovering sink: transient failures (a raw `ENOSPC` and an `ERR_IO`) are reported
 * with `willRetry`, retried with backoff, and the retry stores the newest state.
 */
export async function checkWriterFailingThenRecovering(sink: Sink): Promise<void> {
  const check = "checkWriterFailingThenRecovering";
  const target = "writer-recover.json";
  const clock = createManualClock();
  const faulty = withFaults(sink, [
    { op: "write", nth: 1, fault: { error: "ENOSPC" } },
    { op: "write", nth: 2, fault: { error: "ERR_IO", stage: "sync" } },
  ]);
  const results: WriteResult[] = [];
  const writer = createPersistenceWriter({
    sink: faulty,
    clock,
    executor: "inline",
    retry: { initialMs: 100, factor: 2, maxMs: 1000, jitter: 0 },
    onResult: (result) => results.push(result),
  });
  let state: Counter = { n: 1, note: "one" };
  const handle = writer.register(target, { snapshot: () => state, codec: counterCodec });
  try {
    const first = await within(check, handle.saveNow("save"), REAL_TIME_LIMIT_MS, "saveNow()");
    ensure(
      check,
      !first.ok &&
        first.willRetry &&
        first.stage === "write" &&
        isPersistenceError(first.error, "ERR_NO_SPACE"),
      `the first attempt must fail with ERR_NO_SPACE at stage write and willRetry, got ${JSON.stringify(first)}`,
    );
    state = { n: 2, note: "two" };
    handle.request("edit");
    await drive(check, clock, () => results.some((result) => result.ok), 50, "a successful retry");
    const failures = results.filter((result) => !result.ok);
    ensure(check, failures.length === 2, `expected 2 failed attempts, got ${failures.length}`);
    const second = failures[1];
    ensure(
      check,
      second !== undefined &&
        !second.ok &&
        second.stage === "sync" &&
        isPersistenceError(second.error, "ERR_IO") &&
        second.willRetry,
      `the second attempt must keep the sink's ERR_IO at stage sync and retry, got ${JSON.stringify(second)}`,
    );
    ensure(check, !handle.state.unsaved, "the target is still unsaved after the successful retry");
    const content = await stored(check, sink, target);
    ensure(check, content.n === 2, `the retry stored n=${content.n}, expected the newest n=2`);
  } finally {
    await writer.close({ timeoutMs: 0 });
  }
}
