import type { TargetRunner } from "../attempt/target-runner.js";
import type { TargetId } from "../contracts/target.js";
import { assertKnownOptions } from "../sink-kit/known-options.js";
import { buildHealth, type PersistenceHealth, type TargetHealth } from "./health.js";
import type {
  CloseOptions,
  PersistenceWriterOptions,
  RunnerTargetOptions,
  TargetOptions,
} from "./options.js";
import { interval, resolveWriterOptions } from "./resolve-options.js";
import { closeFallback, runClose } from "./run-close.js";
import { closeReportError, type ShutdownReport } from "./shutdown-report.js";
import type { RunnerTargetHandle, TargetHandle } from "./target-handle.js";
import { TargetRegistry } from "./target-registry.js";
import type { PersistenceListener } from "./writer-event.js";
import { WriterHost } from "./writer-host.js";

/** The coalescing, retrying, bounded-shutdown persistence scheduler. */
export interface PersistenceWriter {
  /**
   * Registers a target; throws `TypeError` when already registered or when the writer has no
   * `sink`, `ERR_CLOSED` after `close()`.
   */
  register<T>(target: TargetId, options: TargetOptions<T>): TargetHandle<T>;
  /**
   * Registers a target whose writes a {@link TargetRunner} performs (the target-runner port: how
   * the worker executor and any other executor plug in). `TypeError` when `runner` is combined with
   * `snapshot`/`codec`, when it is no runner, when its `attach()` refuses the target, or when the
   * target is registered already.
   */
  register<R extends TargetRunner>(
    target: TargetId,
    options: RunnerTargetOptions & { readonly runner: R },
  ): RunnerTargetHandle<R>;
  /** Frozen telemetry. */
  health(): PersistenceHealth;
  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: PersistenceListener): () => void;
  /** Flushes and stops; never rejects; a second call returns the same promise. */
  close(options?: CloseOptions): Promise<ShutdownReport>;
  /**
   * `close()` with the default timeout, for `await using`. Rejects when the report is not `ok`
   * (a target failed or timed out): with a `PersistenceError` whose code is the first such
   * target's, its error as `cause` and the whole report in `details.report`. Inside an
   * `await using` block that threw already, the two errors arrive together as a `SuppressedError`.
   */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates the writer. Validates every option now: bad intervals throw `RangeError`, wrong types
 * `TypeError`.
 */
export function createPersistenceWriter(options: PersistenceWriterOptions): PersistenceWriter {
  const resolved = resolveWriterOptions(options);
  const host = new WriterHost(resolved);
  const registry = new TargetRegistry(host, resolved.sink);
  let closePromise: Promise<ShutdownReport> | undefined;

  const writer: PersistenceWriter = {
    register: ((target: TargetId, targetOptions: TargetOptions<unknown> | RunnerTargetOptions) =>
      registry.register(target, targetOptions)) as PersistenceWriter["register"],
    health(): PersistenceHealth {
      const entries: [TargetId, TargetHealth][] = [];
      for (const [target, scheduler] of registry.schedulers) {
        entries.push([target, scheduler.health()]);
      }
      return buildHealth(entries, host.closing, host.listenerErrors);
    },
    subscribe(listener: PersistenceListener): () => void {
      return host.subscribe(listener);
    },
    close(closeOptions?: CloseOptions): Promise<ShutdownReport> {
      if (closePromise !== undefined) return closePromise;
      checkCloseOptions(closeOptions);
      const timeoutMs = interval("timeoutMs", closeOptions?.timeoutMs, 10_000, true);
      host.closing = true;
      closePromise = runClose(host, registry, timeoutMs).catch((error: unknown) =>
        closeFallback(registry, error),
      );
      return closePromise;
    },
    async [Symbol.asyncDispose](): Promise<void> {
      const report = await writer.close();
      if (!report.ok) throw closeReportError(report);
    },
  };
  return writer;
}

/**
 * `close()`'s options: an object of known keys or nothing, so a misspelt `timeoutms` is a
 * `TypeError` instead of a silent 10 s default.
 */
function checkCloseOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `close: options must be an object { timeoutMs? }, got ${options === null ? "null" : typeof options}`,
    );
  }
  assertKnownOptions("close", options, ["timeoutMs"]);
}
