/**
 * Point patches: one ordered, sequence-numbered stream of small changes ("ops") that drives an
 * in-memory read model, a journal and worker replicas alike. Ops record effects, never commands:
 * replaying them never re-runs application code.
 */

/** Sequence number of a committed op batch: 1, 2, 3, … strictly one more per batch. */
export type Seq = number;

/** One committed batch of ops: the unit the journal appends and a replica applies. */
export interface OpBatch<Op> {
  /** Strictly one more than the previous batch's. */
  readonly seq: Seq;
  /** Free-form reason, for telemetry (`"file-hashed"`). */
  readonly reason: string;
  /** The ops, applied in order. */
  readonly ops: readonly Op[];
}

/**
 * Turns a list of ops into bytes and back. The same bytes are the journal payload and the message
 * to a worker replica, so a batch is encoded once.
 */
export interface OpsCodec<Op> {
  /** Stable name, for diagnostics and journal headers (`"json-ops"`). */
  readonly name: string;
  /**
   * Encodes `ops` in time proportional to their size (never to the state's). Throws
   * `PersistenceError` `ERR_ENCODE` for an op it cannot represent.
   */
  encode(ops: readonly Op[]): Uint8Array;
  /**
   * Decodes bytes made by `encode`. Any damage (truncation, a bad tag, a length that does not fit,
   * trailing bytes) throws `PersistenceError` `ERR_CORRUPT` with `details.offset` (and
   * `details.reason`); a decoder never allocates from a length it has not checked against the
   * bytes left.
   */
  decode(bytes: Uint8Array): Op[];
  /**
   * Optional: decodes many payloads at once (a warm load's replay), for a codec that can do so for
   * less than one `decode` each. Returns exactly what `decode` returns for each payload, in order.
   * When `decode` would throw for any of them it may throw anything: the caller then decodes them
   * one by one with `decode`, which finds the damaged one and throws its error.
   */
  decodeBatch?(payloads: readonly Uint8Array[]): Op[][];
  /**
   * Enables last-write-wins coalescing of a backlog. The rule a coalescer may rely on: an op with
   * key `k` may be dropped when a later op also has key `k` and no op between them has no key
   * (`undefined`). Ops without a key are never dropped and no op is dropped across them.
   */
  keyOf?(op: Op): string | undefined;
}

/**
 * Applies ops to an immutable state and returns the next state, leaving `state` untouched. Pure and
 * deterministic, in time proportional to the ops (structural sharing, never a copy of the whole
 * state). A precondition that fails throws `PersistenceError` `ERR_CONFLICT`; the caller then
 * keeps the old state.
 */
export type Apply<S, Op> = (state: S, ops: readonly Op[]) => S;
