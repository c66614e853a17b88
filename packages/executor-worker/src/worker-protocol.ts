import {
  isPersistenceError,
  PERSISTENCE_ERROR_CODES,
  PersistenceError,
  type PersistenceErrorCode,
  type WriteStage,
  type WriteTimings,
} from "@snapwrite/core";

/**
 * Version of the owner/worker wire protocol. The worker announces it in its `ready` message, so an
 * owner never talks to a worker built from an incompatible copy of `@snapwrite/executor-worker`.
 */
export const REPLICA_PROTOCOL_VERSION = 2;

/** What the owner hands to a new worker as `workerData.snapwriteReplica`. Internal. */
export interface ReplicaWorkerData {
  readonly protocol: number;
  /** The `options` of the replica, for `createReplica` and `createSink`. */
  readonly options: unknown;
  /**
   * `threadId`s of earlier workers of this replica that have exited: the worker sweeps their temp
   * files once its sink is built. Optional, so owners that send none still speak this protocol.
   */
  readonly deadThreads?: readonly number[];
}

/**
 * A run of patches inside a {@link PatchBatchMessage}: object patches as posted with `patch()`, or
 * binary patches of `patchBytes()` as frames (tag u8, payload length u32 little-endian, payload)
 * in the first `length` bytes of a transferred buffer. Internal.
 */
export type PatchSegment =
  | { readonly kind: "objects"; readonly patches: readonly unknown[] }
  | { readonly kind: "bytes"; readonly buffer: ArrayBuffer; readonly length: number };

/** Owner to worker: patches, in the order `patch()`/`patchBytes()` were called. Internal. */
export interface PatchBatchMessage {
  readonly type: "patches";
  readonly segments: readonly PatchSegment[];
}

/** Owner to worker: encode the replica as it is after every earlier patch, and write it. Internal. */
export interface WriteMessage {
  readonly type: "write";
  readonly id: number;
  readonly target: string;
  readonly generation: number;
  readonly attempt: number;
}

/** Owner to worker: abort the write `id` (close deadline). Internal. */
export interface AbortMessage {
  readonly type: "abort";
  readonly id: number;
}

/** Owner to worker: close the sink and exit. Internal. */
export interface CloseMessage {
  readonly type: "close";
}

/** Everything the owner sends. Internal. */
export type OwnerMessage = PatchBatchMessage | WriteMessage | AbortMessage | CloseMessage;

/** Worker to owner: the replica and sink are built. Internal. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly protocol: number;
}

/** Worker to owner: building the replica or the sink failed. Internal. */
export interface InitFailedMessage {
  readonly type: "init-failed";
  readonly error: SerializedError;
}

/** Worker to owner: the outcome of write `id`. Internal. */
export type WriteDoneMessage =
  | {
      readonly type: "written";
      readonly id: number;
      readonly ok: true;
      readonly bytes: number;
      readonly durable: boolean;
      readonly timings: WriteTimings;
    }
  | {
      readonly type: "written";
      readonly id: number;
      readonly ok: false;
      readonly error: SerializedError;
      readonly timings: WriteTimings;
    };

/** Worker to owner: the sink is closed, the worker is about to exit. Internal. */
export interface ClosedMessage {
  readonly type: "closed";
}

/** Everything the worker sends. Internal. */
export type WorkerMessage = ReadyMessage | InitFailedMessage | WriteDoneMessage | ClosedMessage;

/** The plain original error behind a {@link SerializedError}. */
export interface SerializedCause {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly code: string | undefined;
}

/** A {@link PersistenceError} as it crosses the thread boundary. Internal. */
export interface SerializedError {
  readonly code: PersistenceErrorCode;
  readonly stage: WriteStage | undefined;
  readonly message: string;
  readonly target: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly stack: string | undefined;
  readonly cause: SerializedCause | undefined;
}

function serializeCause(value: unknown): SerializedCause | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      code: code === undefined ? undefined : String(code),
    };
  }
  return { name: "Error", message: String(value), stack: undefined, code: undefined };
}

function cloneableDetails(
  details: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> | undefined {
  if (details === undefined) return undefined;
  try {
    return structuredClone(details);
  } catch {
    // Details that cannot cross threads (functions, handles) are reduced to what JSON keeps.
    try {
      return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}

/** Turns a {@link PersistenceError} into plain data for `postMessage`. Internal. */
export function serializeError(error: PersistenceError): SerializedError {
  return {
    code: error.code,
    stage: error.stage,
    message: error.message,
    target: error.target,
    details: cloneableDetails(error.details),
    stack: error.stack,
    cause: serializeCause(error.cause),
  };
}

/**
 * Rebuilds a {@link PersistenceError} on the owner: same code, stage, message, target and details;
 * `cause` is a plain `Error` carrying the original's name, message, stack and OS `code`.
 */
export function deserializeError(data: SerializedError): PersistenceError {
  const code: PersistenceErrorCode = (PERSISTENCE_ERROR_CODES as readonly string[]).includes(
    data.code,
  )
    ? data.code
    : "ERR_IO";
  let cause: Error | undefined;
  if (data.cause !== undefined) {
    cause = new Error(data.cause.message);
    cause.name = data.cause.name;
    if (data.cause.stack !== undefined) cause.stack = data.cause.stack;
    if (data.cause.code !== undefined) Object.assign(cause, { code: data.cause.code });
  }
  const error = new PersistenceError(
    code,
    data.message,
    cause === undefined
      ? { stage: data.stage, target: data.target, details: data.details }
      : { stage: data.stage, target: data.target, details: data.details, cause },
  );
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** Turns anything thrown in the worker outside a write into a serialized error. Internal. */
export function serializeUnknown(
  error: unknown,
  code: PersistenceErrorCode,
  stage: WriteStage | undefined,
  context: string,
): SerializedError {
  if (isPersistenceError(error)) return serializeError(error);
  const message = error instanceof Error ? error.message : String(error);
  return serializeError(
    new PersistenceError(code, `${context}: ${message}`, { stage, cause: error }),
  );
}
