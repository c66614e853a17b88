// Validation of fault plans as they are added: a misspelt operation or key, a fault mixing two
// kinds, or an out-of-range number is refused at once instead of never firing.

/** One kind of fault: the key that selects it and every key it accepts. */
export interface FaultKind {
  /** The key whose presence selects this kind (`"torn"`, `"latencyMs"`, …). */
  readonly key: string;
  /** Every key this kind accepts, `key` included. */
  readonly keys: readonly string[];
}

/** A parser for one rule of a plan; throws `TypeError`/`RangeError` naming the rule and key. */
export type RuleValidator = (rule: unknown, label: string) => void;

/** Where a problem is: `"withFaults: rule 2"`. */
export function ruleLabel(owner: string, index: number): string {
  return `${owner}: rule ${index}`;
}

/** Throws a `TypeError` unless `value` is a plain object (not null, not an array). */
export function assertObject(
  value: unknown,
  label: string,
): asserts value is Readonly<Record<string, unknown>> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${label} must be an object, got ${describe(value)}`);
  }
}

/** Throws a `TypeError` naming the first key of `object` that `allowed` does not list. */
export function assertKnownKeys(
  object: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  label: string,
): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `${label}: unknown key "${key}" (known keys: ${allowed.map((k) => `"${k}"`).join(", ")})`,
      );
    }
  }
}

/** Throws a `TypeError` unless `value` is one of `allowed`. */
export function assertOneOf(
  value: unknown,
  allowed: readonly string[],
  key: string,
  label: string,
): void {
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new TypeError(
      `${label}: ${key} must be one of ${allowed.map((v) => `"${v}"`).join(", ")}, got ${describe(value)}`,
    );
  }
}

/** Throws a `TypeError` unless `value` is absent, a string, a `RegExp` or a function. */
export function assertMatcher(value: unknown, key: string, label: string): void {
  if (
    value === undefined ||
    typeof value === "string" ||
    value instanceof RegExp ||
    typeof value === "function"
  ) {
    return;
  }
  throw new TypeError(
    `${label}: ${key} must be a string, a RegExp or a function, got ${describe(value)}`,
  );
}

/** `nth` (integer ≥ 1) and `times` (integer ≥ 1 or `Infinity`), when given. */
export function assertCounting(rule: Readonly<Record<string, unknown>>, label: string): void {
  const { nth, times } = rule;
  if (nth !== undefined && !(typeof nth === "number" && Number.isInteger(nth) && nth >= 1)) {
    throw new RangeError(`${label}: nth must be an integer >= 1, got ${describe(nth)}`);
  }
  if (
    times !== undefined &&
    !(typeof times === "number" && (Number.isInteger(times) || times === Infinity) && times >= 1)
  ) {
    throw new RangeError(
      `${label}: times must be an integer >= 1 or Infinity, got ${describe(times)}`,
    );
  }
}

/** Throws a `RangeError` unless `value` is a finite number ≥ 0 (an integer when asked). */
export function assertNonNegative(
  value: unknown,
  key: string,
  label: string,
  integer = false,
  max = Number.POSITIVE_INFINITY,
): void {
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `${label}: ${key} must be a finite ${integer ? "integer" : "number"} >= 0${max < Number.POSITIVE_INFINITY ? ` and <= ${max}` : ""}, got ${describe(value)}`,
    );
  }
}

/** Throws a `TypeError` unless `value` looks like a system error code (`"EIO"`, `"ENOSPC"`). */
export function assertOsCode(value: unknown, key: string, label: string): void {
  if (typeof value !== "string" || !/^E[A-Z0-9]+$/.test(value)) {
    throw new TypeError(
      `${label}: ${key} must be a system error code such as "EIO", got ${describe(value)}`,
    );
  }
}

/**
 * Picks the kind of `fault`: the first of `kinds` whose key it has. Throws a `TypeError` for an
 * unknown key, for a fault with no kind's key, and for a key the picked kind does not accept
 * (`{ error, latencyMs }` would otherwise silently drop the error).
 */
export function pickFaultKind(
  fault: Readonly<Record<string, unknown>>,
  kinds: readonly FaultKind[],
  label: string,
): FaultKind {
  const where = `${label}: fault`;
  assertKnownKeys(fault, [...new Set(kinds.flatMap((kind) => kind.keys))], where);
  const present = Object.keys(fault).filter((key) => fault[key] !== undefined || key === "throws");
  const kind = kinds.find((candidate) => present.includes(candidate.key));
  if (kind === undefined) {
    throw new TypeError(
      `${where} needs one of ${kinds.map((k) => `"${k.key}"`).join(", ")}, got ${describe(fault)}`,
    );
  }
  const stray = present.find((key) => !kind.keys.includes(key));
  if (stray !== undefined) {
    throw new TypeError(`${where}: "${stray}" cannot be combined with "${kind.key}"`);
  }
  return kind;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

/**
 * The longest fault latency: Node's timers fire a longer delay after 1 ms, so a latency past it
 * would not wait at all.
 */
export const MAX_LATENCY_MS = 2_147_483_647;
