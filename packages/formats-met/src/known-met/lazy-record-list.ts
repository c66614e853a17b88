import { inspect } from "node:util";
import type { KnownFileRecord } from "./known-file-record.js";
import { KnownFileRecordView } from "./known-file-record-view.js";
import { OLD_MAX_FILE_SIZE } from "./known-met.js";
import { tagFields } from "./tag-fields.js";

/** Record offsets: `Uint32Array` while the input is below 4 GiB, else `Float64Array`. */
export type RecordOffsets = Uint32Array | Float64Array;

/**
 * Validated records of one decoded buffer that have no {@link KnownFileRecordView} yet. Record
 * `i` spans `src[starts[i], starts[i + 1])`; `sizes[i] - 1` is the offset of its last FT_FILESIZE
 * tag (`sizes[i] === 0`: none).
 */
export interface PendingRecords {
  readonly src: Uint8Array;
  starts: RecordOffsets;
  sizes: RecordOffsets;
  /** Indices at or above this are never pending (the list was shortened). */
  count: number;
  /** `pending[i] === 1` while record `i` was neither read, replaced nor removed. */
  pending: Uint8Array;
}

const pendingOf = new WeakMap<object, PendingRecords>();

/** The pending records behind a list made by {@link createLazyRecordList}, if it is one. */
export function pendingRecordsOf(list: object): PendingRecords | undefined {
  return pendingOf.get(list);
}

/** True when pending record `i` has a size above OLD_MAX_FILE_SIZE (needs header 0x0F). */
export function pendingIsLarge(state: PendingRecords, i: number): boolean {
  const sizeOff = (state.sizes[i] as number) - 1;
  return sizeOff >= 0 && (tagFields.intNumber(state.src, sizeOff) ?? 0) > OLD_MAX_FILE_SIZE;
}

/**
 * `records[i]`, but without making a lazy list ({@link createLazyRecordList}) keep the record's
 * view: a record not read yet gets a fresh view that is garbage once dropped, so walking a
 * decoded file of a million records once holds one view at a time instead of a million.
 */
export function peekRecord(records: readonly KnownFileRecord[], i: number): KnownFileRecord {
  const state = pendingOf.get(records);
  if (state === undefined || !(i >= 0 && i < state.count && state.pending[i] === 1)) {
    return records[i] as KnownFileRecord;
  }
  return new KnownFileRecordView(
    state.src,
    state.starts[i] as number,
    state.starts[i + 1] as number,
    (state.sizes[i] as number) - 1,
  );
}

/** Array index of a property key, or -1. */
function indexOf(key: string | symbol): number {
  if (typeof key !== "string") return -1;
  const n = key.length;
  if (n === 0 || n > 10) return -1;
  const first = key.charCodeAt(0);
  if (first === 0x30) return n === 1 ? 0 : -1;
  let value = 0;
  for (let k = 0; k < n; k++) {
    const digit = key.charCodeAt(k) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value < 0xffff_ffff ? value : -1;
}

/**
 * An ordinary-looking, mutable array of `count` records whose {@link KnownFileRecordView}s are
 * made on first access, so decoding a million records allocates a few typed arrays instead of a
 * million objects. Reading, replacing, deleting, pushing, sorting, spreading, `Object.keys` and
 * `Array.isArray` behave as on a plain array of views; the encoder copies pending records straight
 * from their offsets.
 */
export function createLazyRecordList(state: PendingRecords): KnownFileRecord[] {
  const target: KnownFileRecord[] = new Array(state.count);
  const { src, starts, sizes, pending } = state;
  const materialize = (i: number): KnownFileRecord => {
    const view = new KnownFileRecordView(
      src,
      starts[i] as number,
      starts[i + 1] as number,
      (sizes[i] as number) - 1,
    );
    target[i] = view;
    pending[i] = 0;
    return view;
  };
  const isPending = (i: number): boolean => i >= 0 && i < state.count && pending[i] === 1;
  const materializeAll = (): void => {
    for (let i = 0; i < state.count; i++) if (pending[i] === 1) materialize(i);
  };
  // util.inspect (console.log) shows a proxy's target without running its traps: make the views
  // first, and show a plain copy.
  Object.defineProperty(target, inspect.custom, {
    value: (_depth: number, options: object, show: typeof inspect) => {
      materializeAll();
      return show(target.slice(), options);
    },
    configurable: true,
    writable: true,
    enumerable: false,
  });
  const list = new Proxy(target, {
    get(t, key) {
      const i = indexOf(key);
      if (isPending(i)) return materialize(i);
      return Reflect.get(t, key);
    },
    set(t, key, value) {
      const i = indexOf(key);
      if (i >= 0 && i < state.count) pending[i] = 0;
      const done = Reflect.set(t, key, value);
      if (key === "length" && t.length < state.count) {
        pending.fill(0, t.length, state.count);
        state.count = t.length;
      }
      return done;
    },
    has(t, key) {
      return isPending(indexOf(key)) || Reflect.has(t, key);
    },
    deleteProperty(t, key) {
      const i = indexOf(key);
      if (i >= 0 && i < state.count) pending[i] = 0;
      return Reflect.deleteProperty(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      const i = indexOf(key);
      if (isPending(i)) materialize(i);
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    defineProperty(t, key, descriptor) {
      const i = indexOf(key);
      if (isPending(i)) materialize(i);
      const done = Reflect.defineProperty(t, key, descriptor);
      if (key === "length" && t.length < state.count) {
        pending.fill(0, t.length, state.count);
        state.count = t.length;
      }
      return done;
    },
    ownKeys(t) {
      materializeAll();
      return Reflect.ownKeys(t);
    },
    preventExtensions(t) {
      materializeAll();
      return Reflect.preventExtensions(t);
    },
  });
  pendingOf.set(list, state);
  return list;
}
