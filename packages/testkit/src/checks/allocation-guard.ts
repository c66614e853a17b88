/** What {@link guardAllocations} saw. */
export interface AllocationReport<T> {
  /** The function's result, when it returned. */
  readonly result?: T | undefined;
  /** Whether it threw (other than the guard's own stop). */
  readonly threw: boolean;
  /** What it threw. */
  readonly error?: unknown;
  /** Largest single allocation requested, in bytes. */
  readonly largest: number;
  /** Sum of the allocations requested, in bytes. */
  readonly total: number;
  /** Set when a single request exceeded the limit; the request was refused, not performed. */
  readonly refused?: { readonly what: string; readonly bytes: number } | undefined;
}

class AllocationRefused extends Error {}

const TYPED_ARRAYS = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
] as const;

function lengthOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "object" && value !== null && !(value instanceof ArrayBuffer)) {
    const length = (value as { length?: unknown }).length;
    if (typeof length === "number") return length;
  }
  return undefined;
}

/**
 * Runs `fn` synchronously while watching the allocations it requests through the global
 * `ArrayBuffer`, `SharedArrayBuffer`, typed-array and `Array` constructors and `Buffer.alloc*`.
 * A single request above `limitBytes` is refused before it happens (so a 4 GiB length field
 * cannot take the process down) and reported in `refused`.
 *
 * Why interception rather than `process.memoryUsage()`: growth of `arrayBuffers` is only visible
 * after the fact, is noisy under garbage collection, and a huge request can crash the process
 * before anyone measures; interception names the exact request, deterministically.
 */
export function guardAllocations<T>(limitBytes: number, fn: () => T): AllocationReport<T> {
  let largest = 0;
  let total = 0;
  let refused: { what: string; bytes: number } | undefined;
  const note = (what: string, bytes: number) => {
    if (!Number.isFinite(bytes) || bytes < 0) return;
    total += bytes;
    if (bytes > largest) largest = bytes;
    if (bytes > limitBytes) {
      refused = { what, bytes };
      throw new AllocationRefused(`${what} of ${bytes} bytes refused`);
    }
  };
  const g = globalThis as unknown as Record<string, unknown>;
  const restore: (() => void)[] = [];
  const replaceGlobal = (name: string, bytesOf: (args: unknown[]) => number | undefined) => {
    const original = g[name] as (new (...args: unknown[]) => unknown) | undefined;
    if (original === undefined) return;
    const proxy: typeof original = new Proxy(original, {
      construct(target, args, newTarget): object {
        const bytes = bytesOf(args);
        if (bytes !== undefined) note(`new ${name}`, bytes);
        return Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
      },
      apply(target, thisArg, args): unknown {
        const bytes = bytesOf(args);
        if (bytes !== undefined) note(`${name}()`, bytes);
        return Reflect.apply(target as unknown as (...a: unknown[]) => unknown, thisArg, args);
      },
    });
    g[name] = proxy;
    restore.push(() => {
      g[name] = original;
    });
  };
  replaceGlobal("ArrayBuffer", (args) => lengthOf(args[0]));
  replaceGlobal("SharedArrayBuffer", (args) => lengthOf(args[0]));
  for (const name of TYPED_ARRAYS) {
    const perElement = (g[name] as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    replaceGlobal(name, (args) => {
      const length = lengthOf(args[0]);
      return length === undefined ? undefined : length * perElement;
    });
  }
  // An array's length field: 8 bytes per slot is what V8 reserves for a holey array.
  replaceGlobal("Array", (args) =>
    args.length === 1 && typeof args[0] === "number" ? args[0] * 8 : undefined,
  );
  const buffer = Buffer as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ["alloc", "allocUnsafe", "allocUnsafeSlow"] as const) {
    const original = buffer[method] as (...args: unknown[]) => unknown;
    buffer[method] = function patched(this: unknown, ...args: unknown[]) {
      const bytes = lengthOf(args[0]);
      if (bytes !== undefined) note(`Buffer.${method}`, bytes);
      return original.apply(this, args);
    };
    restore.push(() => {
      buffer[method] = original;
    });
  }
  try {
    const result = fn();
    return { result, threw: false, largest, total, refused };
  } catch (error) {
    if (error instanceof AllocationRefused || refused !== undefined) {
      return { threw: false, largest, total, refused };
    }
    return { threw: true, error, largest, total, refused };
  } finally {
    for (const undo of restore.reverse()) undo();
  }
}
