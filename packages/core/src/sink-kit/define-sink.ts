import type {
  Sink,
  SinkCapabilities,
  SinkCloseOptions,
  SinkQuarantineOptions,
  SinkReadOptions,
  SinkWriteOptions,
  SinkWriteResult,
} from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import { assertValidTarget } from "../contracts/validate-target.js";
import { isPersistenceError, PersistenceError } from "../errors/persistence-error.js";
import { closeTimeoutOf, withCloseDeadline } from "./close-deadline.js";
import { createSerialQueue } from "./serial-queue.js";

/** Options {@link SinkDefinition.readNow} receives: `from` is always set. */
export interface SinkReadNowOptions {
  /** Which version to read. */
  readonly from: "primary" | "backup";
}

/** Options {@link SinkDefinition.quarantineNow} receives. */
export interface SinkQuarantineNowOptions {
  /**
   * Set only when the definition has `checksExpected: true`: the bytes the primary must still
   * hold for the move to happen (else the step rejects with `ERR_STALE`).
   */
  readonly expected?: Uint8Array | undefined;
  /**
   * Set only when the definition has `checksExpected: true`: the version (as the sink named it in
   * a read's `ERR_CORRUPT`, `details.version`) the primary must still be for the move to happen.
   */
  readonly expectedVersion?: string | undefined;
}

/**
 * The storage steps of a sink: what is left to write once {@link defineSink} did the outer shell.
 * Every step is called with a valid target, on an open sink; `writeNow` and `quarantineNow` run one
 * at a time per target, in call order.
 */
export interface SinkDefinition {
  /** What the sink promises; frozen and exposed as `sink.capabilities`. */
  readonly capabilities: SinkCapabilities;
  /**
   * Stores the chunks atomically. Called only when the signal has not aborted yet; a step that
   * takes long must watch `options.signal` itself and reject with `ERR_ABORTED`.
   */
  writeNow(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options: SinkWriteOptions,
  ): Promise<SinkWriteResult>;
  /** Reads the target, or rejects with `ERR_NOT_FOUND`. */
  readNow(target: TargetId, options: SinkReadNowOptions): Promise<Uint8Array>;
  /** Moves the target aside and resolves with where it went. Omit it when the sink cannot. */
  quarantineNow?(
    target: TargetId,
    reason: string,
    options: SinkQuarantineNowOptions,
  ): Promise<string>;
  /** Releases resources; called once, after every queued operation settled. */
  closeNow?(): Promise<void>;
  /**
   * `quarantineNow` gets `{ expected, expectedVersion }` and compares them itself (in the target's
   * queue, as always) instead of {@link defineSink} reading the primary back first. Default
   * `false`; without it `expectedVersion` is not checked (such a sink names no versions).
   */
  readonly checksExpected?: boolean | undefined;
  /** `read` keeps working after `close()`, for a store that stays inspectable. Default `false`. */
  readonly readAfterClose?: boolean | undefined;
  /**
   * More checks of a target (names the sink reserves, …), run by every call right after the
   * common validation and before anything else; throws `ERR_INVALID_TARGET` with `stage` (`"open"`
   * for a write, `undefined` otherwise).
   */
  checkTarget?(target: TargetId, stage: "open" | undefined): void;
  /**
   * The error of a write whose signal aborted before `writeNow` was called (already aborted, or
   * while queued). Default: `ERR_ABORTED` at stage `write`.
   */
  abortError?(target: TargetId, signal: AbortSignal): unknown;
}

/** A sink built by {@link defineSink}: `close()` is always there, and `await using` closes it. */
export interface DefinedSink extends Sink {
  /**
   * Makes further calls reject with `ERR_CLOSED`, waits for queued ones, then runs `closeNow`. With
   * `options.timeoutMs`, rejects with `ERR_TIMEOUT` once that passed and they are still running.
   */
  close(options?: SinkCloseOptions): Promise<void>;
  /** Same as {@link DefinedSink.close}. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Builds a {@link Sink} from its storage steps, doing the outer shell every sink needs once: target
 * validation (`ERR_INVALID_TARGET`, before any chunk is pulled), `ERR_CLOSED` after `close()`, an
 * already aborted signal (`ERR_ABORTED`), a per-target serial queue so that writes and quarantines
 * of one target run in call order and the last call wins (a write aborted while queued never
 * starts), a quarantine with `{ expected }` that moves the target only while its primary still
 * holds exactly those bytes (`ERR_STALE` otherwise, checked in that queue), and an idempotent
 * `close()` that waits for the queue before `closeNow`.
 */
export function defineSink(definition: SinkDefinition): DefinedSink {
  checkDefinition(definition);
  const capabilities: SinkCapabilities = Object.freeze({ ...definition.capabilities });
  const queue = createSerialQueue<TargetId>();
  let closing: Promise<void> | undefined;

  function assertOpen(target: TargetId, what: string, stage?: "open"): void {
    if (closing === undefined) return;
    throw new PersistenceError(
      "ERR_CLOSED",
      `sink is closed; cannot ${what} ${JSON.stringify(target)}`,
      {
        stage,
        target,
      },
    );
  }

  function abortError(target: TargetId, signal: AbortSignal): unknown {
    if (definition.abortError !== undefined) return definition.abortError(target, signal);
    return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} was aborted`, {
      stage: "write",
      target,
      cause: signal.reason,
    });
  }

  async function write(
    target: TargetId,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    options: SinkWriteOptions = {},
  ): Promise<SinkWriteResult> {
    assertValidTarget(target, { stage: "open" });
    definition.checkTarget?.(target, "open");
    assertOpen(target, "write", "open");
    const { signal } = options;
    if (signal?.aborted) throw abortError(target, signal);
    return queue.run(
      target,
      () => {
        if (signal?.aborted) throw abortError(target, signal);
        return definition.writeNow(target, chunks, options);
      },
      { signal, abortError: (aborted) => abortError(target, aborted) },
    );
  }

  async function read(target: TargetId, options: SinkReadOptions = {}): Promise<Uint8Array> {
    assertValidTarget(target);
    definition.checkTarget?.(target, undefined);
    const from = options.from ?? "primary";
    if (from !== "primary" && from !== "backup") {
      throw new TypeError(`read: from must be "primary" or "backup", got ${String(from)}`);
    }
    if (definition.readAfterClose !== true) assertOpen(target, "read");
    return definition.readNow(target, { from });
  }

  async function quarantine(
    target: TargetId,
    reason: string,
    options: SinkQuarantineOptions = {},
  ): Promise<string> {
    assertValidTarget(target);
    definition.checkTarget?.(target, undefined);
    const expected = options?.expected;
    if (expected !== undefined && !(expected instanceof Uint8Array)) {
      throw new TypeError("quarantine: expected must be a Uint8Array");
    }
    const expectedVersion = options?.expectedVersion;
    if (expectedVersion !== undefined && typeof expectedVersion !== "string") {
      throw new TypeError("quarantine: expectedVersion must be a string");
    }
    assertOpen(target, "quarantine");
    const step = definition.quarantineNow as NonNullable<SinkDefinition["quarantineNow"]>;
    const selfChecked = definition.checksExpected === true;
    return queue.run(target, async () => {
      // Inside the target's queue no write of this sink can land between the check and the move.
      if (expected !== undefined && !selfChecked) await assertStillHolds(target, expected);
      const now = selfChecked ? { expected, expectedVersion } : {};
      return step.call(definition, target, String(reason), now);
    });
  }

  async function assertStillHolds(target: TargetId, expected: Uint8Array): Promise<void> {
    let current: Uint8Array | undefined;
    try {
      current = await definition.readNow(target, { from: "primary" });
    } catch (error) {
      if (!isPersistenceError(error, "ERR_NOT_FOUND")) throw error;
    }
    if (current !== undefined && sameBytes(current, expected)) return;
    throw new PersistenceError(
      "ERR_STALE",
      `${JSON.stringify(target)} changed since it was read; the newer version is not quarantined`,
      { target, details: { reason: "changed" } },
    );
  }

  function close(options?: SinkCloseOptions): Promise<void> {
    let timeoutMs: number | undefined;
    try {
      timeoutMs = closeTimeoutOf(options);
    } catch (error) {
      // Like every other sink call: bad options reject, and the sink stays open.
      return Promise.reject(error);
    }
    closing ??= (async () => {
      await queue.idle();
      await definition.closeNow?.();
    })();
    return timeoutMs === undefined ? closing : withCloseDeadline(closing, timeoutMs);
  }

  const sink: DefinedSink = {
    capabilities,
    write,
    read,
    close,
    [Symbol.asyncDispose]: close,
  };
  if (definition.quarantineNow !== undefined) sink.quarantine = quarantine;
  return sink;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

function checkDefinition(definition: SinkDefinition): void {
  if (typeof definition !== "object" || definition === null) {
    throw new TypeError("defineSink: definition must be an object");
  }
  const capabilities = definition.capabilities as unknown as Record<string, unknown> | undefined;
  if (typeof capabilities !== "object" || capabilities === null) {
    throw new TypeError("defineSink: capabilities must be an object");
  }
  for (const name of ["atomicReplace", "durable", "backup", "crossProcessLock", "fencing"]) {
    if (typeof capabilities[name] !== "boolean") {
      throw new TypeError(`defineSink: capabilities.${name} must be a boolean`);
    }
  }
  for (const name of ["writeNow", "readNow"] as const) {
    if (typeof definition[name] !== "function") {
      throw new TypeError(`defineSink: ${name} must be a function`);
    }
  }
  for (const name of ["quarantineNow", "closeNow", "checkTarget", "abortError"] as const) {
    if (definition[name] !== undefined && typeof definition[name] !== "function") {
      throw new TypeError(`defineSink: ${name} must be a function when given`);
    }
  }
  for (const name of ["checksExpected", "readAfterClose"] as const) {
    if (definition[name] !== undefined && typeof definition[name] !== "boolean") {
      throw new TypeError(`defineSink: ${name} must be a boolean when given`);
    }
  }
}
