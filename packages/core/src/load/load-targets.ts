import type { Codec } from "../contracts/codec.js";
import type { Sink } from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import { toPersistenceError } from "../errors/os-error.js";
import { resolveConcurrency } from "../policy/concurrency.js";
import { assertKnownOptions } from "../sink-kit/known-options.js";
import { assertLoadSignal, loadTimeoutMs } from "./load-deadline.js";
import { LOAD_OPTION_KEYS, type LoadOptions, type LoadResult, loadTarget } from "./load-target.js";

/**
 * One target of {@link loadTargets}. Its own `timeoutMs` wins over the batch's; its own `signal`
 * is combined with the batch's (either aborts it).
 */
export interface LoadTargetSpec<T = unknown> extends LoadOptions {
  /** Sink to read from. */
  readonly sink: Sink;
  /** Target id. */
  readonly target: TargetId;
  /** Codec to decode with. */
  readonly codec: Codec<T>;
}

/** Options of {@link loadTargets}. */
export interface LoadTargetsOptions {
  /** Loads running at once: an integer in `1..1024`, or `Infinity` (no bound). Default `4`. */
  readonly concurrency?: number | undefined;
  /**
   * Aborts the batch: running loads resolve `ERR_ABORTED` at once, and those not started yet
   * resolve `ERR_ABORTED` without reading anything.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Deadline of each target's load, in ms (`>= 0`, `Infinity` = none, the default): a target that
   * takes longer resolves `ERR_TIMEOUT` and frees its slot; the others are not affected.
   */
  readonly timeoutMs?: number | undefined;
}

const LOAD_TARGETS_OPTION_KEYS = [
  "concurrency",
  "signal",
  "timeoutMs",
] satisfies (keyof LoadTargetsOptions)[];

const SPEC_KEYS = ["sink", "target", "codec", ...LOAD_OPTION_KEYS];

/** The results of {@link loadTargets}, typed per spec. */
export type LoadTargetsResults<S extends readonly LoadTargetSpec<unknown>[]> = {
  -readonly [K in keyof S]: S[K] extends LoadTargetSpec<infer T> ? LoadResult<T> : never;
};

function combineSignals(
  batch: AbortSignal | undefined,
  own: AbortSignal | undefined,
): AbortSignal | undefined {
  if (batch === undefined) return own;
  if (own === undefined) return batch;
  return AbortSignal.any([batch, own]);
}

/**
 * Loads many targets, at most `concurrency` at a time, and resolves with their results in input
 * order. Each target is isolated: its failure (even an unexpected exception) becomes its own
 * `{ ok: false }` result and never affects another's. Throws `TypeError`/`RangeError` for bad
 * arguments (an unknown key of `options` or of a spec too) before loading anything.
 */
export async function loadTargets<const S extends readonly LoadTargetSpec<unknown>[]>(
  specs: S,
  options: LoadTargetsOptions = {},
): Promise<LoadTargetsResults<S>> {
  if (!Array.isArray(specs)) throw new TypeError("loadTargets needs an array of targets");
  if (typeof options !== "object" || options === null) {
    throw new TypeError("loadTargets: options must be an object");
  }
  assertKnownOptions("loadTargets", options, LOAD_TARGETS_OPTION_KEYS);
  // Only a left-out concurrency is 4: `null` is a TypeError, as for `timeoutMs`.
  const concurrency = resolveConcurrency(options.concurrency, 4);
  const batchTimeoutMs = loadTimeoutMs(options.timeoutMs);
  const batchSignal = options.signal;
  assertLoadSignal(batchSignal);
  for (const spec of specs) {
    if (typeof spec !== "object" || spec === null)
      throw new TypeError("every target spec must be an object");
    assertKnownOptions(`loadTargets: target ${JSON.stringify(spec.target)}`, spec, SPEC_KEYS);
    if (typeof spec.sink?.read !== "function")
      throw new TypeError(`target ${JSON.stringify(spec.target)}: sink must have read()`);
    if (typeof spec.codec?.decode !== "function")
      throw new TypeError(`target ${JSON.stringify(spec.target)}: codec must have decode()`);
    loadTimeoutMs(spec.timeoutMs, `target ${JSON.stringify(spec.target)}: timeoutMs`);
    assertLoadSignal(spec.signal, `target ${JSON.stringify(spec.target)}: signal`);
  }
  const results: LoadResult<unknown>[] = new Array(specs.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < specs.length) {
      const index = next++;
      const spec = specs[index] as LoadTargetSpec<unknown>;
      try {
        results[index] = await loadTarget(spec.sink, spec.target, spec.codec, {
          backup: spec.backup,
          quarantine: spec.quarantine,
          signal: combineSignals(batchSignal, spec.signal),
          timeoutMs: spec.timeoutMs ?? batchTimeoutMs,
        });
      } catch (error) {
        results[index] = {
          ok: false,
          error: toPersistenceError(error, { target: spec.target, direction: "read" }),
        };
      }
    }
  }
  const workers: Promise<void>[] = [];
  const count = Math.min(concurrency, specs.length);
  for (let i = 0; i < count; i++) workers.push(worker());
  await Promise.all(workers);
  return results as LoadTargetsResults<S>;
}
