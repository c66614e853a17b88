import { types } from "node:util";
import { formatIssuePath } from "./json-validation-issue.js";
import { prepareJsonValue, SKIP } from "./prepare-json-value.js";

/**
 * What the json-ops encoder writes for a put's or merge's value must be what a reopen gives back:
 * JSON text from which `JSON.parse` rebuilds the value memory holds. `JSON.stringify` silently
 * writes `null` for NaN and ±Infinity and for `undefined`, a function or a symbol in an array,
 * leaves such members of an object out, and writes what a `toJSON` returns (a `Date` becomes a
 * string). {@link jsonOpsValueText} refuses all of these, naming where in the value they are.
 */

/** The errors {@link jsonOpsValueText} throws about the value itself (not a throwing `toJSON`). */
const valueIssues = new WeakSet<Error>();

/** Whether `error` is one of the refusals of {@link jsonOpsValueText}. */
export function isJsonValueIssue(error: unknown): error is TypeError | RangeError {
  return error instanceof Error && valueIssues.has(error);
}

/**
 * The JSON text of `value`, exactly what `JSON.stringify(value)` writes, or a `TypeError` /
 * `RangeError` naming the path (`$.a[2]`) of the first part a reopen would not give back:
 * NaN or ±Infinity, `undefined`, a function, a symbol or a BigInt, a `toJSON` whose result is of
 * another kind than the value (a `Date`, written as a string), or a cycle. Plain data (plain
 * objects and arrays without `toJSON`, strings, finite numbers, booleans, null) is checked in one
 * pass and written by the engine, which costs a few percent of the encode; a getter or a proxy
 * trap in such data runs twice, once for the check and once for the text (the check reads every
 * own enumerable member without looking for accessors, which would cost more than the rest of the
 * check). Anything else is read once, member by member, into a plain copy the engine writes, so
 * a `toJSON` (and a getter behind it) runs once, as in `JSON.stringify`.
 */
export function jsonOpsValueText(value: unknown): string | undefined {
  let plain: boolean;
  try {
    plain = plainValue(value);
  } catch (error) {
    // Nested deeper than this thread's stack: the check's recursion (one small frame per level)
    // reaches further than `JSON.stringify`'s own, which would refuse it the same way.
    if (error instanceof RangeError && !isJsonValueIssue(error)) {
      throw issue(RangeError, [], "is nested too deeply to encode");
    }
    throw error;
  }
  if (plain) return JSON.stringify(value);
  return JSON.stringify(copyValue(value, "", [], new Set()));
}

function plainValue(value: unknown): boolean {
  if (typeof value === "object") return value === null || plainContainer(value);
  return plainPrimitive(value);
}

/** A string, a boolean or a finite number other than -0 (which JSON writes as 0). */
function plainPrimitive(value: unknown): boolean {
  const type = typeof value;
  if (type === "string" || type === "boolean") return true;
  return (
    type === "number" &&
    (value as number) - (value as number) === 0 &&
    (value !== 0 || 1 / (value as number) > 0)
  );
}

function plainContainer(value: object): boolean {
  if ("toJSON" in value) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      const member: unknown = value[i];
      if (typeof member === "object") {
        if (member !== null && !plainContainer(member)) return false;
      } else if (!plainPrimitive(member)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    const member: unknown = (value as Record<string, unknown>)[key];
    if (typeof member === "object") {
      if (member !== null && !plainContainer(member)) return false;
    } else if (!plainPrimitive(member)) return false;
  }
  return true;
}

/** The plain copy of `raw` (the member `key` of its holder) that `JSON.stringify` would write. */
function copyValue(
  raw: unknown,
  key: string | number,
  path: Array<string | number>,
  stack: Set<object>,
): unknown {
  if (types.isBoxedPrimitive(raw)) {
    throw issue(
      TypeError,
      path,
      `is a boxed ${typeof raw.valueOf()}: a reopen would give back the plain ${typeof raw.valueOf()}`,
    );
  }
  const value = prepareJsonValue(raw, key);
  if (value === SKIP) throw issue(TypeError, path, `is ${describe(raw)}, which JSON cannot hold`);
  if (kindOf(value) !== kindOf(types.isBoxedPrimitive(raw) ? raw.valueOf() : raw)) {
    throw issue(
      TypeError,
      path,
      `is ${describe(raw)} whose toJSON returns ${describe(value)}: a reopen would give back the ${kindOf(value)}`,
    );
  }
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) {
        throw issue(RangeError, path, `is ${value}, which JSON cannot hold (it writes null)`);
      }
      if (Object.is(value, -0)) throw issue(RangeError, path, "is -0, which JSON writes as 0");
      return value;
    case "bigint":
      throw issue(TypeError, path, "is a BigInt, which JSON cannot hold");
    case "object":
      return value === null ? null : copyContainer(value, path, stack);
    default:
      return value;
  }
}

function copyContainer(value: object, path: Array<string | number>, stack: Set<object>): unknown {
  if (stack.has(value)) throw issue(TypeError, path, "refers to itself (a cycle)");
  const proto = Object.getPrototypeOf(value);
  const plain = Array.isArray(value)
    ? proto === Array.prototype
    : proto === Object.prototype || proto === null;
  if (!plain) {
    // A Map, Set, RegExp, Error, typed array or class instance: JSON keeps at most its own
    // enumerable members, and a reopen gives back a plain object or array.
    const name = typeof proto?.constructor === "function" ? proto.constructor.name : "";
    throw issue(
      TypeError,
      path,
      `is ${name ? `a ${name}` : "an object with a prototype"}: a reopen would give back a plain ${Array.isArray(value) ? "array" : "object"}`,
    );
  }
  stack.add(value);
  let copy: unknown;
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      list.push(copyValue(value[i], i, path, stack));
      path.pop();
    }
    copy = list;
  } else {
    // No prototype: a "__proto__" member stays a member.
    const record: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value)) {
      path.push(key);
      record[key] = copyValue((value as Record<string, unknown>)[key], key, path, stack);
      path.pop();
    }
    copy = record;
  }
  stack.delete(value);
  return copy;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "function" ? "object" : typeof value;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (types.isDate(value)) return "a Date";
  switch (typeof value) {
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    case "bigint":
      return "a BigInt";
    case "object":
      return value === null ? "null" : Array.isArray(value) ? "an array" : "an object";
    default:
      return `a ${typeof value}`;
  }
}

function issue(
  type: typeof TypeError | typeof RangeError,
  path: ReadonlyArray<string | number>,
  message: string,
): Error {
  const error = new type(`the value at ${formatIssuePath(path)} ${message}`);
  valueIssues.add(error);
  return error;
}
