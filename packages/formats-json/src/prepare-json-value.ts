import { types } from "node:util";

/** Marker for a value `JSON.stringify` leaves out (undefined, functions, symbols). */
export const SKIP: unique symbol = Symbol("skip");

/**
 * Applies `toJSON` and unboxes `Number`/`String`/`Boolean`/`BigInt` objects, as the
 * SerializeJSONProperty steps of ECMA-262 do, and returns {@link SKIP} for values that are left out.
 */
export function prepareJsonValue(raw: unknown, key: string | number): unknown {
  let value = raw;
  const type = typeof value;
  if ((type === "object" && value !== null) || type === "function" || type === "bigint") {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      value = toJSON.call(value, typeof key === "number" ? String(key) : key);
    }
  }
  switch (typeof value) {
    case "object":
      if (value === null || Array.isArray(value)) return value;
      if (types.isBoxedPrimitive(value)) {
        if (types.isNumberObject(value)) return Number(value);
        if (types.isStringObject(value)) return String(value);
        if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
        if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
      }
      return value;
    case "undefined":
    case "function":
    case "symbol":
      return SKIP;
    default:
      return value;
  }
}
