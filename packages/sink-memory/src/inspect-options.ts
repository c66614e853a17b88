import { assertKnownOptions } from "@snapwrite/core/sink-kit";

/** Which store of a memory sink an inspection helper reads or seeds. */
export type MemoryStoreName = "primary" | "backup";

/**
 * Checks the options of an inspection helper (`put`'s `{ to }`, `keys`'/`snapshot`'s `{ from }`)
 * and returns the store they name, `"primary"` by default. A misspelt key or an unknown value is a
 * `TypeError` naming `caller`: it must not silently fall back to the primary (`put(…, { to:
 * "backups" })` would overwrite the primary a test meant to keep). Internal.
 */
export function storeNameOf(caller: string, options: unknown, key: "to" | "from"): MemoryStoreName {
  if (options === undefined) return "primary";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}: options must be an object`);
  }
  assertKnownOptions(caller, options, [key]);
  const value = (options as Record<string, unknown>)[key];
  if (value === undefined) return "primary";
  if (value !== "primary" && value !== "backup") {
    const got = typeof value === "string" || value === null ? JSON.stringify(value) : typeof value;
    throw new TypeError(`${caller}: ${key} must be "primary" or "backup", got ${got}`);
  }
  return value;
}
