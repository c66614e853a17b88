import type { PolicyEntry } from "@snapwrite/core";
import { resolveOptionValues } from "@snapwrite/core/sink-kit";
import type { CompactionPolicy } from "@snapwrite/journal";
import type { OpenDurableStoreOptions } from "../durable-store-types.js";

/** The triggers of `compaction` and their bounds; `Infinity` turns a trigger off. */
const TRIGGERS: Readonly<Record<keyof CompactionPolicy, Omit<PolicyEntry, "default">>> = {
  minBytes: { min: 0, integer: true, allowInfinity: true },
  ratio: { min: 0, allowInfinity: true },
  maxRecords: { min: 1, integer: true, allowInfinity: true },
  maxAgeMs: { min: 0, allowInfinity: true },
};

/**
 * Checks `options.compaction` (`false`, or an object whose triggers pass `resolvePolicy`: a `NaN`
 * would silently turn automatic compaction off, a negative `maxRecords` or `maxAgeMs` compact after
 * every group) and `options.loadExternal`; `TypeError`/`RangeError` naming the option. `keep` is
 * resolved with the store's other numbers.
 */
export function checkCompactionOptions<S, Op>(options: OpenDurableStoreOptions<S, Op>): void {
  const { compaction, loadExternal } = options;
  if (loadExternal !== undefined && typeof loadExternal !== "function") {
    throw new TypeError("openDurableStore: loadExternal must be a function (reason) => Promise<S>");
  }
  if (compaction === undefined || compaction === false) return;
  if (typeof compaction !== "object" || compaction === null) {
    throw new TypeError(
      "openDurableStore: compaction must be false or { minBytes?, ratio?, maxRecords?, maxAgeMs?, keep? }",
    );
  }
  const spec: Record<string, PolicyEntry> = {};
  for (const [name, bounds] of Object.entries(TRIGGERS)) {
    const value = compaction[name as keyof CompactionPolicy];
    if (value !== undefined) spec[`compaction.${name}`] = { ...bounds, default: value };
  }
  resolveOptionValues("openDurableStore", spec);
}
