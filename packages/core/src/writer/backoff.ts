import { resolvePolicy } from "../policy/resolve-policy.js";
import { assertKnownOptions } from "../sink-kit/known-options.js";

/** Retry policy of the writer: capped, jittered exponential backoff. */
export interface RetryOptions {
  /** Delay before the first retry, in ms. Finite, `>= 0`. Default `100`. */
  readonly initialMs?: number | undefined;
  /** Growth factor per further retry. Finite, `>= 1`. Default `2`. */
  readonly factor?: number | undefined;
  /** Cap of the delay, in ms. Finite, `>= initialMs`. Default `30_000`. */
  readonly maxMs?: number | undefined;
  /**
   * Relative jitter in `[0, 1]`: a delay `d` becomes a uniformly drawn value in
   * `[d * (1 - jitter), d * (1 + jitter)]`, then capped at `maxMs`. Default `0.2`.
   */
  readonly jitter?: number | undefined;
}

/** The keys of {@link RetryOptions}; any other is a `TypeError` (a typo). */
const RETRY_OPTION_KEYS: ReadonlySet<string> = new Set([
  "initialMs",
  "factor",
  "maxMs",
  "jitter",
] satisfies (keyof RetryOptions)[]);

/** {@link RetryOptions} with every default applied and validated. */
export interface RetryPolicy {
  /** Delay before the first retry, in ms. */
  readonly initialMs: number;
  /** Growth factor per further retry. */
  readonly factor: number;
  /** Hard cap of every delay, in ms. */
  readonly maxMs: number;
  /** Relative jitter in `[0, 1]`. */
  readonly jitter: number;
}

function given(value: number | undefined, fallback: number): number {
  return value === undefined ? fallback : value;
}

/** Applies the defaults of {@link RetryOptions}; throws `TypeError`/`RangeError` on bad values. */
export function resolveRetryPolicy(options: RetryOptions | undefined): RetryPolicy {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError("retry must be an object");
  }
  if (options !== undefined) {
    assertKnownOptions("createPersistenceWriter", options, RETRY_OPTION_KEYS, "retry.");
  }
  const env = {};
  const { values } = resolvePolicy(
    {
      "retry.initialMs": { default: given(options?.initialMs, 100), min: 0 },
      "retry.factor": { default: given(options?.factor, 2), min: 1 },
      "retry.jitter": { default: given(options?.jitter, 0.2), min: 0, max: 1 },
    },
    { env },
  );
  const initialMs = values["retry.initialMs"];
  const maxMs = resolvePolicy(
    { "retry.maxMs": { default: given(options?.maxMs, 30_000), min: initialMs } },
    { env },
  ).values["retry.maxMs"];
  return Object.freeze({
    initialMs,
    factor: values["retry.factor"],
    maxMs,
    jitter: values["retry.jitter"],
  });
}

/**
 * Delay before retry number `retry` (1 for the first retry): `initialMs * factor^(retry - 1)`,
 * capped at `maxMs`, jittered by `random()` (expected in `[0, 1)`), and capped at `maxMs` again so
 * the cap is a hard bound.
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.max(0, retry - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  let r = random();
  // A misbehaving random source must not produce negative or unbounded delays.
  if (!(r >= 0)) r = 0;
  if (r > 1) r = 1;
  const jittered = base * (1 - policy.jitter + 2 * policy.jitter * r);
  return Math.min(policy.maxMs, Math.max(0, jittered));
}
