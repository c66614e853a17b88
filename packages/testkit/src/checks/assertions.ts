import { isPersistenceError, type PersistenceErrorCode } from "@snapwrite/core";
import { ContractViolation } from "./contract-violation.js";

/** Throws a {@link ContractViolation} when `condition` is false. */
export function ensure(check: string, condition: boolean, message: string): asserts condition {
  if (!condition) throw new ContractViolation(check, message);
}

/** Short description of bytes for failure messages. */
export function describeBytes(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return "nothing";
  const head = [...bytes.subarray(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `${bytes.byteLength} bytes [${head}${bytes.byteLength > 12 ? " …" : ""}]`;
}

/** True when both arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** Describes a thrown value for failure messages. */
export function describeError(error: unknown): string {
  if (isPersistenceError(error)) {
    return `PersistenceError ${error.code} (stage ${String(error.stage)}): ${error.message}`;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${code === undefined ? "" : ` ${String(code)}`}: ${error.message}`;
  }
  return `non-error value ${String(error)}`;
}

/** Awaits `promise` and returns what it threw, or fails the check when it resolved. */
export async function rejectionOf(
  check: string,
  promise: Promise<unknown>,
  what: string,
): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new ContractViolation(check, `${what} resolved; it must reject`);
}

/** Fails the check unless `error` is a `PersistenceError` with `code`. */
export function ensurePersistenceError(
  check: string,
  error: unknown,
  code: PersistenceErrorCode,
  what: string,
): void {
  if (!isPersistenceError(error, code)) {
    throw new ContractViolation(
      check,
      `${what} must reject with PersistenceError ${code}, got ${describeError(error)}`,
      { cause: error },
    );
  }
}

/** True when `test` holds for one of the causes of `error` (its `cause`, that one's `cause`, … 8 deep). */
export function someCause(error: unknown, test: (cause: unknown) => boolean): boolean {
  let at: unknown = (error as { cause?: unknown } | null | undefined)?.cause;
  for (let depth = 0; depth < 8 && at !== undefined && at !== null; depth++) {
    if (test(at)) return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}

/** Reads `target` and returns its bytes, or `undefined` when the sink says `ERR_NOT_FOUND`. */
export async function readOrMissing(
  check: string,
  read: () => Promise<Uint8Array>,
  what: string,
): Promise<Uint8Array | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isPersistenceError(error, "ERR_NOT_FOUND")) return undefined;
    throw new ContractViolation(
      check,
      `${what}: read failed with ${describeError(error)} (expected content or ERR_NOT_FOUND)`,
      { cause: error },
    );
  }
}

/** Deterministic pseudo-random bytes (a tag byte keeps payloads of different versions apart). */
export function patternBytes(length: number, tag: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (0x9e3779b9 ^ Math.imul(tag + 1, 0x85ebca6b)) >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Splits `bytes` into chunks of `size` (copies, so sinks may keep them). */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

/** Lets other tasks run: `rounds` macrotask turns. */
export async function yieldTurns(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Rejects with a {@link ContractViolation} when `promise` takes longer than `ms`. */
export async function within<T>(
  check: string,
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ContractViolation(check, `${what} did not settle within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
