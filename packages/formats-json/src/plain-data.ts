import { types } from "node:util";

/** `Object.prototype.__lookupGetter__`: an own property's getter, without allocating a descriptor. */
const lookupGetter = (
  Object.prototype as unknown as { __lookupGetter__(key: string): (() => unknown) | undefined }
).__lookupGetter__;

/** Deepest nesting below a member that the native path checks before it gives up. */
const NATIVE_DEPTH = 8;
/** Most members and elements in a member written by the native path. */
const NATIVE_NODES = 512;
/** Most UTF-16 units of strings and keys in a member written by the native path. */
const NATIVE_UNITS = 4096;
/** Most array elements written by one engine call. */
const NATIVE_RUN = 256;

/**
 * The check of the encoder's native path: a member made only of plain data (plain objects and
 * arrays without toJSON or accessors; strings, numbers, booleans, null, undefined) and small
 * enough can be written with the engine's `JSON.stringify`, which gives the same bytes as the walk,
 * much faster. The check reads an own property only after finding it has no getter, so no getter
 * runs twice (array elements are read directly: an index accessor would run twice); anything else
 * (class instances, dates, boxed values, toJSON, getters, BigInt, cycles, big or deep members)
 * takes the walk. The budget bounds the work of one native write like a chunk bounds the walk's.
 */
export class PlainDataCheck {
  private nodes = 0;
  private units = 0;

  /** Whether `value` (an object) is plain data within one native write's budget. */
  container(value: object): boolean {
    this.nodes = 0;
    this.units = 0;
    return this.plainContainer(value, 0);
  }

  /**
   * The end of the run of plain containers in `list` from `from` (at most {@link NATIVE_RUN},
   * within one member's budget): compact output writes them with one engine call.
   */
  run(list: readonly unknown[], from: number, length: number): number {
    this.nodes = 0;
    this.units = 0;
    let end = from;
    while (end < length && end - from < NATIVE_RUN) {
      const element = list[end];
      if (typeof element !== "object" || element === null || !this.plainContainer(element, 0)) {
        break;
      }
      end++;
    }
    return end;
  }

  private plainMember(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case "string":
        this.units += value.length;
        return this.units <= NATIVE_UNITS;
      case "number":
      case "boolean":
      case "undefined":
        return true;
      case "object":
        return value === null || this.plainContainer(value, depth + 1);
      default:
        return false;
    }
  }

  private plainContainer(value: object, depth: number): boolean {
    if (depth > NATIVE_DEPTH || Object.hasOwn(value, "toJSON")) return false;
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return false;
      const length = value.length;
      this.nodes += length;
      if (this.nodes > NATIVE_NODES) return false;
      for (let i = 0; i < length; i++) if (!this.plainMember(value[i], depth)) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    const keys = Object.keys(value);
    this.nodes += keys.length;
    if (this.nodes > NATIVE_NODES) return false;
    // A proxy's traps run as often as the walk would run them: its members are read through their
    // descriptors. Any other object's are read directly once no getter is found, which allocates
    // nothing (a descriptor per member was most of a save's garbage).
    const proxy = types.isProxy(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      this.units += key.length;
      let member: unknown;
      if (proxy) {
        const descriptor = Object.getOwnPropertyDescriptor(value, key);
        // An accessor has no `writable`; a getter must run once, in the walk's order.
        if (descriptor === undefined || descriptor.writable === undefined) return false;
        member = descriptor.value;
      } else {
        // A getter must run once, in the walk's order. An own data property has none (the lookup
        // stops there); reading an accessor without a getter runs nothing.
        if (lookupGetter.call(value, key) !== undefined) return false;
        member = (value as Record<string, unknown>)[key];
      }
      if (!this.plainMember(member, depth)) return false;
    }
    return this.units <= NATIVE_UNITS;
  }
}

/**
 * Whether the native path may be used at all: not with sorted keys, and not when `toJSON` was
 * added to `Array.prototype` or `Object.prototype`.
 */
export function nativePathAllowed(stableKeys: boolean): boolean {
  return (
    !stableKeys &&
    !("toJSON" in Array.prototype) &&
    (Object.prototype as { toJSON?: unknown }).toJSON === undefined
  );
}
