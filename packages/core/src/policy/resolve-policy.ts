import { assertKnownOptions } from "../sink-kit/known-options.js";

/** One tunable number of a {@link PolicySpec}: its default, bounds and environment variable. */
export interface PolicyEntry {
  /** The value when the environment does not set one. Must lie within `[min, max]`. */
  readonly default: number;
  /** Smallest allowed value (inclusive). Left out: no lower bound (`null` is a `TypeError`). */
  readonly min?: number | undefined;
  /** Largest allowed value (inclusive). Left out: no upper bound (`null` is a `TypeError`). */
  readonly max?: number | undefined;
  /**
   * Environment variable that overrides the default (`"APP_REFRESH_INTERVAL_MS"`). Unset, empty or
   * whitespace-only means "not set".
   */
  readonly env?: string | undefined;
  /**
   * The value must be a safe integer (`Number.isSafeInteger`: within ±(2^53 − 1), where every
   * integer is exact): the default, the finite bounds and any environment value.
   */
  readonly integer?: boolean | undefined;
  /**
   * The default may be `Infinity` ("no limit"). Only a default can be: an environment value must be
   * a finite decimal number. Requires `max` to be unset.
   */
  readonly allowInfinity?: boolean | undefined;
}

/** Named tunables: `{ refreshIntervalMs: { default: 300_000, min: 1_000, env: "…" }, … }`. */
export type PolicySpec = Readonly<Record<string, PolicyEntry>>;

/** A value the environment set, as the application should log it once. */
export interface PolicyOverride<Name extends string = string> {
  /** Name of the entry in the spec. */
  readonly name: Name;
  /** The environment variable it came from. */
  readonly env: string;
  /** The variable's text, as found. */
  readonly raw: string;
  /** The effective value (after clamping). */
  readonly value: number;
  /** True when the parsed value lay outside `[min, max]` and was clamped to the nearer bound. */
  readonly clamped: boolean;
}

/** What {@link resolvePolicy} returns. */
export interface ResolvedPolicy<S extends PolicySpec> {
  /** The effective value of every entry, frozen. */
  readonly values: Readonly<{ [K in keyof S]: number }>;
  /** The entries the environment set, in spec order, frozen. */
  readonly overrides: readonly PolicyOverride<Extract<keyof S, string>>[];
}

/** Options of {@link resolvePolicy}. */
export interface ResolvePolicyOptions {
  /** Where environment variables are read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

// Decimal numbers only: an optional sign, digits with optional single `_` separators between
// them, an optional fraction. No exponent, hex, `NaN`, `Infinity` or unit suffix.
const DECIMAL = /^[+-]?\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?$/;

// A fractional part with a digit other than 0 (`2.0` is an integer, `2.000_1` is not).
const FRACTION_NOT_ZERO = /\.[\d_]*[1-9]/;

/** The range of `Number.isSafeInteger`, for messages. */
const SAFE_RANGE = `-${Number.MAX_SAFE_INTEGER}..${Number.MAX_SAFE_INTEGER}`;

/** The keys of a {@link PolicyEntry}; any other (`mni`) is a `TypeError` naming it. */
const ENTRY_KEYS: ReadonlySet<string> = new Set([
  "default",
  "min",
  "max",
  "env",
  "integer",
  "allowInfinity",
] satisfies (keyof PolicyEntry)[]);

/** The keys of {@link ResolvePolicyOptions}. */
const OPTION_KEYS: ReadonlySet<string> = new Set(["env"] satisfies (keyof ResolvePolicyOptions)[]);

function processEnv(): Readonly<Record<string, string | undefined>> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  return env ?? {};
}

/** What a value that should have been a number is, for a message: `null` or its type. */
function kindOf(value: unknown): string {
  return value === null ? "null" : typeof value;
}

/** `fallback` for a left-out (`undefined`) value, anything else as given. */
function unset(value: unknown, fallback: number): unknown {
  return value === undefined ? fallback : value;
}

function checkBound(name: string, which: "min" | "max", bound: unknown, integer: boolean): number {
  if (typeof bound !== "number") {
    throw new TypeError(`${name}: ${which} must be a number, got ${kindOf(bound)}`);
  }
  if (Number.isNaN(bound)) throw new RangeError(`${name}: ${which} must not be NaN`);
  if (integer && Number.isFinite(bound) && !Number.isInteger(bound)) {
    throw new RangeError(`${name}: ${which} must be an integer, got ${bound}`);
  }
  // An environment value is clamped to its bound: the bound must be a value the entry may take.
  if (integer && Number.isFinite(bound) && !Number.isSafeInteger(bound)) {
    throw new RangeError(`${name}: ${which} must be a safe integer (${SAFE_RANGE}), got ${bound}`);
  }
  return bound;
}

function checkDefault(name: string, entry: PolicyEntry, min: number, max: number): number {
  const value: unknown = entry.default;
  if (typeof value !== "number")
    throw new TypeError(`${name} must be a number, got ${kindOf(value)}`);
  if (Number.isNaN(value)) throw new RangeError(`${name} must not be NaN`);
  if (value === Number.POSITIVE_INFINITY && entry.allowInfinity === true) {
    if (max !== Number.POSITIVE_INFINITY) {
      throw new RangeError(`${name}: allowInfinity needs max to be unset, got max ${max}`);
    }
    return value;
  }
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be finite, got ${value}`);
  if (entry.integer === true && !Number.isInteger(value)) {
    throw new RangeError(`${name} must be an integer, got ${value}`);
  }
  if (value < min) throw new RangeError(`${name} must be >= ${min}, got ${value}`);
  if (value > max) throw new RangeError(`${name} must be <= ${max}, got ${value}`);
  // Past the bound checks only with no bound on its side: `1e300` is no count or size either.
  if (entry.integer === true && !Number.isSafeInteger(value)) {
    throw new RangeError(`${name} must be a safe integer (${SAFE_RANGE}), got ${value}`);
  }
  return value;
}

function parseEnvValue(name: string, variable: string, raw: string, integer: boolean): number {
  const text = raw.trim();
  const value = DECIMAL.test(text) ? Number(text.replaceAll("_", "")) : Number.NaN;
  // A plain decimal too long for a double is still a number: out of bounds, clamped by the caller.
  if (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) return value;
  if (!Number.isFinite(value)) {
    throw new RangeError(
      `${variable} (for ${name}) must be a decimal number, got ${JSON.stringify(raw)}`,
    );
  }
  // The text, not only the double: "1.0000000000000000001" parses to 1 but is no integer.
  if (integer && (!Number.isInteger(value) || FRACTION_NOT_ZERO.test(text))) {
    throw new RangeError(
      `${variable} (for ${name}) must be an integer, got ${JSON.stringify(raw)}`,
    );
  }
  // -0 would print as 0 and compare equal, but keep values plain.
  return value === 0 ? 0 : value;
}

function outOfRange(
  name: string,
  variable: string,
  raw: string,
  upper: boolean,
  integer: boolean,
): RangeError {
  const shown = `${JSON.stringify(raw.slice(0, 40))}${raw.length > 40 ? "…" : ""}`;
  const beyond = integer ? ` is no safe integer (${SAFE_RANGE}) and` : "";
  return new RangeError(
    `${variable} (for ${name}) is out of range: ${shown}${beyond} has no ${upper ? "upper" : "lower"} bound to clamp to`,
  );
}

/**
 * Resolves named tunables (intervals, sizes) from their defaults in code and optional environment
 * variables, in one place.
 *
 * - A bad spec is a programmer error, thrown at once: a default or bound that is not a number (the
 *   message says what it is: `x must be a number, got null`), or a key an entry does not have
 *   (`mni`), is a `TypeError`; `NaN`, `min > max`, a default outside `[min, max]`, a non-integer where
 *   `integer: true`, or `Infinity` without `allowInfinity` is a `RangeError`. So is, where
 *   `integer: true`, a default or finite bound that is no safe integer (`Number.isSafeInteger`: `1e300`
 *   or `2 ** 53`, which an option such as a size in bytes could never exactly be); a library passing
 *   its options as defaults thereby refuses them.
 * - An environment variable that is unset, empty or only whitespace leaves the default.
 * - Any other environment value must be a decimal number (`1500`, `1_500`, `-3`, `2.5`; surrounding
 *   whitespace is ignored; no exponent, hex, `NaN`, `Infinity` or unit suffix), and an integer when
 *   `integer: true` (judged on the text: `1.0000000000000000001` is no integer although the double
 *   it parses to is 1); otherwise it is a `RangeError` naming the variable.
 * - An environment value outside `[min, max]` is clamped to the nearer bound. Every environment
 *   value is listed in `overrides` (with `clamped`), so the application can log it once. A decimal
 *   too long for a double with no bound on its side to clamp to is a `RangeError` ("out of range"),
 *   also for an `allowInfinity` entry: the environment never sets `Infinity`. Where `integer: true`,
 *   the same holds for an integer beyond the safe integers (`9007199254740993`): clamped to a bound
 *   on its side (a safe integer, see above) and reported with `clamped: true`, else a `RangeError`
 *   ("out of range"), so an integer entry always resolves to a safe integer.
 * - An option other than `env` is a `TypeError` naming it.
 */
export function resolvePolicy<const S extends PolicySpec>(
  spec: S,
  options: ResolvePolicyOptions = {},
): ResolvedPolicy<S> {
  if (typeof spec !== "object" || spec === null) throw new TypeError("spec must be an object");
  if (typeof options !== "object" || options === null) {
    throw new TypeError("resolvePolicy: options must be an object");
  }
  assertKnownOptions("resolvePolicy", options, OPTION_KEYS);
  const env = options.env ?? processEnv();
  const values: [string, number][] = [];
  const overrides: PolicyOverride<Extract<keyof S, string>>[] = [];
  for (const name of Object.keys(spec)) {
    const entry = spec[name];
    if (typeof entry !== "object" || entry === null) {
      throw new TypeError(`${name}: policy entry must be an object`);
    }
    assertKnownOptions("resolvePolicy", entry, ENTRY_KEYS, `${name}.`);
    const integer = entry.integer === true;
    // Only a left-out bound is "no bound": `null` is no number, and checkBound says so.
    const min = checkBound(name, "min", unset(entry.min, Number.NEGATIVE_INFINITY), integer);
    const max = checkBound(name, "max", unset(entry.max, Number.POSITIVE_INFINITY), integer);
    if (min > max) throw new RangeError(`${name}: min (${min}) must be <= max (${max})`);
    let value = checkDefault(name, entry, min, max);
    const variable = entry.env;
    if (variable !== undefined) {
      if (typeof variable !== "string" || variable === "") {
        throw new TypeError(`${name}: env must be a non-empty string`);
      }
      const raw: unknown = env[variable];
      if (raw !== undefined && typeof raw !== "string") {
        throw new TypeError(`${variable} (for ${name}) in options.env must be a string`);
      }
      if (raw !== undefined && raw.trim() !== "") {
        const parsed = parseEnvValue(name, variable, raw, integer);
        value = Math.min(max, Math.max(min, parsed));
        // Too long for a double and no bound on that side: never Infinity, even with allowInfinity.
        // An integer entry's values are safe integers (so are its finite bounds): one beyond them
        // with no bound on that side is out of range the same way.
        if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
          throw outOfRange(name, variable, raw, value > 0, integer);
        }
        const override = { name, env: variable, raw, value, clamped: value !== parsed };
        overrides.push(Object.freeze(override) as PolicyOverride<Extract<keyof S, string>>);
      }
    }
    values.push([name, value]);
  }
  return Object.freeze({
    values: Object.freeze(Object.fromEntries(values)) as ResolvedPolicy<S>["values"],
    overrides: Object.freeze(overrides),
  });
}
