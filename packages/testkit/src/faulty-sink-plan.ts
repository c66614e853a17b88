// Parsing of withFaults plans: every rule is checked when it is added.
import { PERSISTENCE_ERROR_CODES, type WriteStage } from "@snapwrite/core";
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
import type { SinkOperation } from "./faulty-sink.js";

const SINK_OPERATIONS = [
  "write",
  "read",
  "quarantine",
  "close",
] as const satisfies readonly SinkOperation[];

const WRITE_STAGES = [
  "snapshot",
  "encode",
  "lock",
  "open",
  "write",
  "sync",
  "rename",
  "sync-dir",
  "close",
] as const satisfies readonly WriteStage[];

// Fail to compile when SinkOperation or WriteStage gains a member the lists above lack.
const everyOperationListed: [Exclude<SinkOperation, (typeof SINK_OPERATIONS)[number]>] extends [
  never,
]
  ? true
  : never = true;
const everyStageListed: [Exclude<WriteStage, (typeof WRITE_STAGES)[number]>] extends [never]
  ? true
  : never = true;
void everyOperationListed;
void everyStageListed;

const RULE_KEYS = ["op", "target", "nth", "times", "fault"];

const SINK_FAULT_KINDS: readonly FaultKind[] = [
  { key: "tearAfterChunks", keys: ["tearAfterChunks", "error"] },
  { key: "latencyMs", keys: ["latencyMs"] },
  { key: "hang", keys: ["hang"] },
  { key: "throws", keys: ["throws"] },
  { key: "error", keys: ["error", "stage"] },
];

/**
 * Checks one rule of a {@link SinkFaultPlan}: known keys, a known operation, a target matcher,
 * counting, and a fault of exactly one kind with values in range. Throws `TypeError` or
 * `RangeError` naming the rule and the key.
 */
export function validateSinkFaultRule(rule: unknown, label: string): void {
  assertObject(rule, label);
  assertKnownKeys(rule, RULE_KEYS, label);
  if (rule.op !== undefined) assertOneOf(rule.op, SINK_OPERATIONS, "op", label);
  assertMatcher(rule.target, "target", label);
  assertCounting(rule, label);
  assertObject(rule.fault, `${label}: fault`);
  const fault = rule.fault;
  const kind = pickFaultKind(fault, SINK_FAULT_KINDS, label);
  if (kind.key === "tearAfterChunks") {
    assertNonNegative(fault.tearAfterChunks, "fault.tearAfterChunks", label, true);
    if (fault.error !== undefined) assertOsCode(fault.error, "fault.error", label);
  }
  if (kind.key === "latencyMs") {
    assertNonNegative(fault.latencyMs, "fault.latencyMs", label, false, MAX_LATENCY_MS);
  }
  if (kind.key === "hang" && fault.hang !== true) {
    throw new TypeError(`${label}: fault.hang must be true`);
  }
  if (kind.key === "error") {
    const { error, stage } = fault;
    if (typeof error === "string" && error.startsWith("ERR_")) {
      assertOneOf(error, PERSISTENCE_ERROR_CODES, "fault.error", label);
    } else {
      assertOsCode(error, "fault.error", label);
    }
    if (stage !== undefined) assertOneOf(stage, WRITE_STAGES, "fault.stage", label);
  }
}
