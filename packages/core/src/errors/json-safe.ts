/** How deep {@link jsonSafe} follows nested objects and causes before it cuts with "[Truncated]". */
const MAX_DEPTH = 8;

const BRAND = Symbol.for("snapwrite.PersistenceError");

/**
 * A plain value `JSON.stringify` can always write: bigints become their digits, cycles
 * `"[Circular]"`, byte arrays `{ type, byteLength }`, errors `{ name, message, code?, … , cause? }`,
 * functions and symbols are left out, and nesting deeper than 8 levels is cut. Never throws.
 * Internal.
 *
 * @param ancestors The objects being serialised around this value (a cycle points back to one).
 */
export function jsonSafe(value: unknown, ancestors: Set<object> = new Set(), depth = 0): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  ancestors.add(object);
  try {
    return jsonSafeObject(object, ancestors, depth + 1);
  } catch {
    // A getter that throws or a hostile proxy: say so instead of failing the whole serialisation.
    return "[Unserializable]";
  } finally {
    ancestors.delete(object);
  }
}

function jsonSafeObject(object: object, ancestors: Set<object>, depth: number): unknown {
  if (ArrayBuffer.isView(object)) {
    return { type: object.constructor.name, byteLength: object.byteLength };
  }
  if (object instanceof ArrayBuffer) return { type: "ArrayBuffer", byteLength: object.byteLength };
  if (object instanceof Date) {
    return Number.isNaN(object.getTime()) ? "Invalid Date" : object.toISOString();
  }
  if (object instanceof Error || (object as Record<symbol, unknown>)[BRAND] === true) {
    return errorJson(object as Error, ancestors, depth);
  }
  if (Array.isArray(object)) return object.map((item) => jsonSafe(item, ancestors, depth) ?? null);
  if (object instanceof Map || object instanceof Set) {
    return { type: object.constructor.name, size: object.size };
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const item = jsonSafe((object as Record<string, unknown>)[key], ancestors, depth);
    if (item !== undefined) out[key] = item;
  }
  return out;
}

function errorJson(error: Error, ancestors: Set<object>, depth: number): Record<string, unknown> {
  const fields = error as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { name: String(error.name), message: String(error.message) };
  for (const key of ["code", "stage", "target", "details", "errno", "syscall", "path"]) {
    const item = jsonSafe(fields[key], ancestors, depth);
    if (item !== undefined) out[key] = item;
  }
  if ("cause" in error && error.cause !== undefined) {
    out.cause = jsonSafe(error.cause, ancestors, depth);
  }
  return out;
}
