import type { Codec, Sink, TargetId } from "./contracts.js";
import { type LoadOptions, type LoadResult, loadTarget } from "./load-target.js";
import { toPersistenceError } from "./os-error.js";
import { resolvePolicy } from "./resolve-policy.js";

/** One target of {@link loadTargets}. */
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
  /** Loads running at once: an integer `>= 1`, or `Infinity`. Default `4`. */
  readonly concurrency?: number | undefined;
}

/** The results of {@link loadTargets}, typed per spec. */
export type LoadTargetsResults<S extends readonly LoadTargetSpec<unknown>[]> = {
  -readonly [K in keyof S]: S[K] extends LoadTargetSpec<infer T> ? LoadResult<T> : never;
};

/**
 * Loads many targets, at most `concurrency` at a time, and resolves with their results in input
 * order. Each target is isolated: its failure (even an unexpected exception) becomes its own
 * `{ ok: false }` result and never affects another's. Throws `TypeError`/`RangeError` for bad
 * arguments before loading anything.
 */
export async function loadTargets<const S extends readonly LoadTargetSpec<unknown>[]>(
  specs: S,
  options: LoadTargetsOptions = {},
): Promise<LoadTargetsResults<S>> {
  if (!Array.isArray(specs)) throw new TypeError("loadTargets needs an array of targets");
  const entry = { default: options.concurrency ?? 4, min: 1, integer: true, allowInfinity: true };
  const concurrency = resolvePolicy({ concurrency: entry }, { env: {} }).values.concurrency;
  for (const spec of specs) {
    if (typeof spec !== "object" || spec === null)
      throw new TypeError("every target spec must be an object");
    if (typeof spec.sink?.read !== "function")
      throw new TypeError(`target ${JSON.stringify(spec.target)}: sink must have read()`);
    if (typeof spec.codec?.decode !== "function")
      throw new TypeError(`target ${JSON.stringify(spec.target)}: codec must have decode()`);
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
