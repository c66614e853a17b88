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

function finiteNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") throw new TypeError(`${name} must be a number`);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`);
  return value;
}

/** Applies the defaults of {@link RetryOptions}; throws `TypeError`/`RangeError` on bad values. */
export function resolveRetryPolicy(options: RetryOptions | undefined): RetryPolicy {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError("retry must be an object");
  }
  const initialMs = finiteNumber("retry.initialMs", options?.initialMs, 100);
  const factor = finiteNumber("retry.factor", options?.factor, 2);
  const maxMs = finiteNumber("retry.maxMs", options?.maxMs, 30_000);
  const jitter = finiteNumber("retry.jitter", options?.jitter, 0.2);
  if (initialMs < 0) throw new RangeError(`retry.initialMs must be >= 0, got ${initialMs}`);
  if (factor < 1) throw new RangeError(`retry.factor must be >= 1, got ${factor}`);
  if (maxMs < initialMs) {
    throw new RangeError(`retry.maxMs (${maxMs}) must be >= retry.initialMs (${initialMs})`);
  }
  if (jitter < 0 || jitter > 1)
    throw new RangeError(`retry.jitter must be in [0, 1], got ${jitter}`);
  return Object.freeze({ initialMs, factor, maxMs, jitter });
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
