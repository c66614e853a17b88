// Parsing of createFaultyFs plans: every rule is checked when it is added.
import {
  assertCounting,
  assertKnownKeys,
  assertMatcher,
  assertNonNegative,
  assertObject,
  assertOneOf,
  assertOsCode,
  type FaultKind,
  MAX_LATENCY_MS,
  pickFaultKind,
} from "./fault-plan-validation.js";
import { FS_OPERATIONS } from "./fs-operations.js";

const RULE_KEYS = ["op", "path", "nth", "times", "fault"];

const FS_FAULT_KINDS: readonly FaultKind[] = [
  { key: "torn", keys: ["torn", "error"] },
  { key: "latencyMs", keys: ["latencyMs"] },
  { key: "hang", keys: ["hang", "signal"] },
  { key: "error", keys: ["error"] },
];

/**
 * Checks one rule of an {@link FsFaultPlan}: known keys, known operations, a path matcher,
 * counting, and a fault of exactly one kind with values in range. Throws `TypeError` or
 * `RangeError` naming the rule and the key.
 */
export function validateFsFaultRule(rule: unknown, label: string): void {
  assertObject(rule, label);
  assertKnownKeys(rule, RULE_KEYS, label);
  const ops = Array.isArray(rule.op) ? rule.op : [rule.op];
  if (ops.length === 0) throw new TypeError(`${label}: op must name at least one operation`);
  for (const op of ops) assertOneOf(op, FS_OPERATIONS, "op", label);
  assertMatcher(rule.path, "path", label);
  assertCounting(rule, label);
  assertObject(rule.fault, `${label}: fault`);
  const fault = rule.fault;
  const kind = pickFaultKind(fault, FS_FAULT_KINDS, label);
  if (kind.key === "torn") {
    const torn = fault.torn;
    assertNonNegative(torn, "fault.torn", label);
    if (typeof torn === "number" && torn > 1 && !Number.isInteger(torn)) {
      throw new RangeError(
        `${label}: fault.torn must be a byte count (integer) or a fraction between 0 and 1, got ${torn}`,
      );
    }
  }
  if (kind.key === "latencyMs") {
    assertNonNegative(fault.latencyMs, "fault.latencyMs", label, false, MAX_LATENCY_MS);
  }
  if (kind.key === "hang") {
    if (fault.hang !== true) throw new TypeError(`${label}: fault.hang must be true`);
    if (fault.signal !== undefined && !(fault.signal instanceof AbortSignal)) {
      throw new TypeError(`${label}: fault.signal must be an AbortSignal`);
    }
  }
  if (fault.error !== undefined) assertOsCode(fault.error, "fault.error", label);
}
