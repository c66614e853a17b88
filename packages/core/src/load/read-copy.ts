import { silence, thenOf } from "../attempt/thenable.js";
import type { Codec } from "../contracts/codec.js";
import type { Sink, SinkQuarantineOptions, SinkReadOptions } from "../contracts/sink.js";
import type { TargetId } from "../contracts/target.js";
import { toPersistenceError } from "../errors/os-error.js";
import { isPersistenceError, PersistenceError } from "../errors/persistence-error.js";

/** One copy (primary or backup) of a target, read and decoded, or why not. Internal. */
export type Copy<T> =
  | { readonly ok: true; readonly value: T; readonly bytes: number }
  | {
      readonly ok: false;
      readonly error: PersistenceError;
      /** The bytes could be read but not decoded. */
      readonly corrupt: boolean;
      /** The codec itself said the bytes are bad (it threw `ERR_CORRUPT`). */
      readonly proven: boolean;
      /** The bytes that failed to decode, when they could be read. */
      readonly data?: Uint8Array | undefined;
      /** The version the sink named in its own `ERR_CORRUPT` (`details.version`), if it did. */
      readonly version?: string | undefined;
    };

function corruptError(target: TargetId, codecName: string, from: string, error: unknown) {
  if (isPersistenceError(error, "ERR_CORRUPT")) return error;
  const message = error instanceof Error ? error.message : String(error);
  const details = isPersistenceError(error) ? error.details : undefined;
  // Not the codec's verdict on the data (a bug, a misconfiguration, an engine limit): reported as
  // corrupt so callers handle one code, but marked so that nothing is moved aside because of it.
  return new PersistenceError(
    "ERR_CORRUPT",
    `codec ${JSON.stringify(codecName)} could not decode the ${from} of ${JSON.stringify(target)}: ${message}`,
    { target, details: { ...details, reason: "decoder-threw", message, from }, cause: error },
  );
}

/** Reads and decodes one copy; never rejects. Internal. */
export async function readCopy<T>(
  sink: Sink,
  target: TargetId,
  codec: Codec<T>,
  from: "primary" | "backup",
  signal: AbortSignal | undefined,
): Promise<Copy<T>> {
  let bytes: Uint8Array;
  try {
    bytes = await sink.read(target, readOptions(from, signal));
  } catch (error) {
    // A sink that checks its own bytes (a checksum, as sink-postgres does) proves them bad itself.
    const corrupt = isPersistenceError(error, "ERR_CORRUPT");
    const version = corrupt ? error.details?.version : undefined;
    return {
      ok: false,
      error: toPersistenceError(error, { target, direction: "read" }),
      corrupt,
      proven: corrupt,
      ...(typeof version === "string" ? { version } : {}),
    };
  }
  let value: T;
  try {
    value = codec.decode(bytes);
  } catch (error) {
    if (isPersistenceError(error) && error.code !== "ERR_CORRUPT") {
      // The codec's own verdict on the data (an expired cache: ERR_STALE, …) is kept as it is.
      // It says nothing about this copy being damaged: nothing is moved aside, no backup is tried.
      return { ok: false, error, corrupt: false, proven: false };
    }
    return {
      ok: false,
      error: corruptError(target, codec.name, from, error),
      corrupt: true,
      proven: isPersistenceError(error, "ERR_CORRUPT"),
      data: bytes,
    };
  }
  const thenable = thenOf(value);
  if (thenable !== undefined) {
    // Never handed out as a value, and its rejection must not kill the process.
    silence(value, thenable);
    return {
      ok: false,
      error: asyncDecodeError(target, codec.name, from),
      corrupt: false,
      proven: false,
    };
  }
  return { ok: true, value, bytes: bytes.byteLength };
}

function readOptions(
  from: "primary" | "backup",
  signal: AbortSignal | undefined,
): SinkReadOptions | undefined {
  if (signal === undefined) return from === "backup" ? { from } : undefined;
  return from === "backup" ? { from, signal } : { signal };
}

function asyncDecodeError(target: TargetId, codecName: string, from: string): PersistenceError {
  return new PersistenceError(
    "ERR_CORRUPT",
    `codec ${JSON.stringify(codecName)} returned a promise (thenable) from decode() for the ${from} of ${JSON.stringify(target)}: decode() must return the value synchronously`,
    { target, details: { reason: "decoder-returned-promise", from } },
  );
}

/**
 * Moves a copy that failed to decode aside, passing its bytes (or the version the sink named when
 * it found them bad itself) so that the sink moves only that very version. `changed`: the sink
 * found a newer version in place (`ERR_STALE`) and moved nothing. Internal.
 */
export async function quarantineCopy(
  sink: Sink,
  target: TargetId,
  copy: {
    readonly error: PersistenceError;
    readonly data?: Uint8Array | undefined;
    readonly version?: string | undefined;
  },
): Promise<{ to?: string; error?: PersistenceError; changed?: boolean }> {
  try {
    return { to: await sink.quarantine?.(target, copy.error.message, expectation(copy)) };
  } catch (error) {
    if (isPersistenceError(error, "ERR_STALE")) return { changed: true, error };
    return { error: toPersistenceError(error, { target }) };
  }
}

function expectation(copy: {
  readonly data?: Uint8Array | undefined;
  readonly version?: string | undefined;
}): SinkQuarantineOptions | undefined {
  if (copy.data !== undefined) return { expected: copy.data };
  if (copy.version !== undefined) return { expectedVersion: copy.version };
  return undefined;
}
