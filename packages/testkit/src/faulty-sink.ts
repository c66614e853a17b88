import {
  isPersistenceError,
  PersistenceError,
  type PersistenceErrorCode,
  type Sink,
  type SinkQuarantineOptions,
  type SinkWriteOptions,
  type WriteStage,
} from "@snapwrite/core";
import {
  createFaultPlan,
  createHangRegistry,
  delay,
  matchesPath,
  type PathMatcher,
} from "./fault-rule.js";
import { validateSinkFaultRule } from "./faulty-sink-plan.js";
import { createOsError } from "./os-error.js";

/** Operations of a {@link Sink} a fault can target. */
export type SinkOperation = "write" | "read" | "quarantine" | "close";

/**
 * What happens to a selected sink call.
 * - `{ error, stage? }`: rejects without calling the sink. A code starting with `ERR_` gives a
 *   `PersistenceError` with that code and `stage` (default `"write"`); anything else (`"ENOSPC"`)
 *   gives a raw Node-shaped OS error, as a sink that forgot to wrap it would throw.
 * - `{ throws }`: rejects with exactly that value.
 * - `{ latencyMs }`: calls the sink after that delay (global timers, so fake timers apply).
 * - `{ hang: true }`: waits until {@link FaultySink.release} (then calls the sink) or until the
 *   write's `signal` aborts (then rejects with `ERR_ABORTED`, stage `"write"`).
 * - `{ tearAfterChunks, error? }` (writes only): hands the sink the first `tearAfterChunks` chunks,
 *   then makes the chunk source throw `error` (default an `EIO` OS error) — a stream torn midway.
 */
export type SinkFault =
  | { readonly error: PersistenceErrorCode | string; readonly stage?: WriteStage | undefined }
  | { readonly throws: unknown }
  | { readonly latencyMs: number }
  | { readonly hang: true }
  | { readonly tearAfterChunks: number; readonly error?: string | undefined };

/** One entry of a sink fault plan. */
export interface SinkFaultRule {
  /** Operation the rule applies to. Default `"write"`. */
  readonly op?: SinkOperation | undefined;
  /** Only calls for matching targets. */
  readonly target?: PathMatcher | undefined;
  /** Fire on the nth matching call, 1-based. Default 1. */
  readonly nth?: number | undefined;
  /** Fire on this many consecutive matching calls from `nth` on (`Infinity`: all). Default 1. */
  readonly times?: number | undefined;
  /** What happens. */
  readonly fault: SinkFault;
}

/** A sink fault plan: the first rule that fires on a call decides its fault. */
export type SinkFaultPlan = readonly SinkFaultRule[];

/** What happened to one call, in {@link FaultySink.calls}. */
export interface SinkCall {
  /** 1-based position, in start order. */
  readonly seq: number;
  /** Operation. */
  readonly op: SinkOperation;
  /** Target (empty for `close`). */
  readonly target: string;
  /** `generation` option of a write. */
  readonly generation?: number | undefined;
  /** `"pending"` while running, then `"ok"` or `"error"`. */
  readonly outcome: "pending" | "ok" | "error";
  /** Code of the error (a `PersistenceError` code or an OS code). */
  readonly error?: string | undefined;
  /** Bytes reported by a successful write or read. */
  readonly bytes?: number | undefined;
  /** The injected fault, when one fired. */
  readonly fault?: SinkFault | undefined;
}

/** A fault-injecting wrapper of a {@link Sink}. */
export interface FaultySink extends Sink {
  /** The wrapped sink. */
  readonly inner: Sink;
  /** Every call so far, in start order, updated in place when a call finishes. */
  readonly calls: readonly SinkCall[];
  /** Calls currently held by a hang fault. */
  readonly hanging: readonly SinkCall[];
  /** Lets hung calls proceed: the one with sequence number `seq`, or all of them. */
  release(seq?: number): void;
  /** Resolves with the first call that is (or becomes) hung and was not returned before. */
  waitForHang(): Promise<SinkCall>;
  /** Appends rules to the plan; counting for them starts now. */
  addFaults(plan: SinkFaultPlan): void;
}

type MutableCall = { -readonly [K in keyof SinkCall]: SinkCall[K] };

function faultError(fault: { error: string; stage?: WriteStage | undefined }, target: string) {
  if (fault.error.startsWith("ERR_")) {
    return new PersistenceError(
      fault.error as PersistenceErrorCode,
      `${fault.error}: injected fault`,
      {
        stage: fault.stage ?? "write",
        target,
        cause: new Error("injected by withFaults"),
      },
    );
  }
  return createOsError(fault.error, "write", target);
}

async function* tear(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  keep: number,
  error: unknown,
): AsyncGenerator<Uint8Array> {
  let given = 0;
  if (given >= keep) throw error;
  for await (const chunk of chunks) {
    yield chunk;
    given += 1;
    if (given >= keep) throw error;
  }
}

/**
 * Wraps `sink` so that the calls `plan` selects fail, slow down, hang or get a torn chunk
 * stream, and logs every call. Meant for scheduler tests: hung writes at shutdown, failing then
 * recovering sinks, and so on. `capabilities` are the wrapped sink's.
 */
export function withFaults(sink: Sink, plan: SinkFaultPlan = []): FaultySink {
  const calls: MutableCall[] = [];
  const faults = createFaultPlan<SinkFaultRule, SinkCall>(
    (rule, call) => (rule.op ?? "write") === call.op && matchesPath(rule.target, call.target),
    { owner: "withFaults", rule: validateSinkFaultRule },
  );
  faults.add(plan);
  const hangs = createHangRegistry<SinkCall>();

  const intercept = async <R>(
    call: Omit<MutableCall, "seq" | "outcome">,
    run: (fault: SinkFault | undefined) => Promise<R>,
    signal: AbortSignal | undefined,
    bytesOf: (result: R) => number | undefined,
  ): Promise<R> => {
    const record = call as MutableCall;
    record.seq = calls.length + 1;
    record.outcome = "pending";
    calls.push(record);
    const fault = faults.pick(record);
    if (fault !== undefined) record.fault = fault;
    try {
      if (fault !== undefined) {
        if ("latencyMs" in fault) {
          await delay(fault.latencyMs);
        } else if ("hang" in fault) {
          try {
            await hangs.hold(record, signal);
          } catch (error) {
            throw new PersistenceError("ERR_ABORTED", "write aborted while hung", {
              stage: "write",
              target: record.target,
              cause: error,
            });
          }
        } else if ("throws" in fault) {
          throw fault.throws;
        } else if ("error" in fault && !("tearAfterChunks" in fault)) {
          throw faultError(fault, record.target);
        }
      }
      const result = await run(fault);
      record.outcome = "ok";
      record.bytes = bytesOf(result);
      return result;
    } catch (error) {
      record.outcome = "error";
      const code = (error as { code?: unknown } | null)?.code;
      record.error = isPersistenceError(error)
        ? error.code
        : typeof code === "string"
          ? code
          : String(error);
      throw error;
    }
  };

  const faulty: FaultySink = {
    inner: sink,
    calls,
    get capabilities() {
      return sink.capabilities;
    },
    get hanging() {
      return hangs.hanging;
    },
    release: (seq) => hangs.release(seq),
    waitForHang: () => hangs.waitForHang(),
    addFaults: (more) => faults.add(more),
    write(target, chunks, options?: SinkWriteOptions) {
      return intercept(
        { op: "write", target, generation: options?.generation },
        (fault) => {
          if (fault !== undefined && "tearAfterChunks" in fault) {
            const error = createOsError(fault.error ?? "EIO", "read", target);
            return sink.write(target, tear(chunks, fault.tearAfterChunks, error), options);
          }
          return sink.write(target, chunks, options);
        },
        options?.signal,
        (result) => result.bytes,
      );
    },
    read(target, options) {
      return intercept(
        { op: "read", target },
        () => sink.read(target, options),
        undefined,
        (result) => result.byteLength,
      );
    },
    close() {
      return intercept(
        { op: "close", target: "" },
        async () => {
          await sink.close?.();
        },
        undefined,
        () => undefined,
      );
    },
  };
  if (sink.quarantine !== undefined) {
    const quarantine = sink.quarantine.bind(sink);
    Object.assign(faulty, {
      quarantine: (target: string, reason: string, options?: SinkQuarantineOptions) =>
        intercept(
          { op: "quarantine", target },
          () => quarantine(target, reason, options),
          undefined,
          () => undefined,
        ),
    });
  }
  return faulty;
}
