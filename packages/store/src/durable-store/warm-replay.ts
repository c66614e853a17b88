import { PersistenceError } from "@snapwrite/core";
import type { JournalRecord } from "@snapwrite/journal";
import type { ReplayRun } from "../durable-store-types.js";
import { perfNow, yieldToLoop } from "../replay-slicing.js";
import type { ReplicaSeeding } from "../store-replica.js";
import { describe, RECORD_OVERHEAD } from "./entries.js";
import type { StoreCore } from "./store-core.js";

/** Ops applied between two readings of the clock (a record with more reads it at once). */
const OPS_PER_CLOCK_READ = 16;

/** Records held back to be decoded together, when the ops codec has `decodeBatch`. */
export const warmReplayTuning = { batchRecords: 256 };

/**
 * A warm load's journal records, applied in order to the replay run as the journal reads them.
 * `onRecord` is the journal's callback: it returns a promise only when the slice has run for
 * `replaySliceMs` and the event loop gets its turn, so the records between two turns cost no
 * promise each. The clock is read after every {@link OPS_PER_CLOCK_READ} ops, not per record.
 *
 * When the ops codec has `decodeBatch`, records are held back and decoded
 * `warmReplayTuning.batchRecords` at a time (one `JSON.parse` for all their values with the JSON
 * ops codec); `finish` applies the last ones once the journal has read them all, before it changes
 * any file (its `onReplayEnd`). A batch that does
 * not decode at once is decoded record by record, so a damaged record fails with its own seq and
 * error, after the records before it were applied, as without batches.
 */
export class WarmReplay<S, Op> {
  /** Bytes of the records applied, with their record overhead. */
  bytes = 0;
  #sliceStart = perfNow();
  #opsSinceClock = 0;
  #held: JournalRecord[] = [];

  constructor(
    private readonly core: StoreCore<S, Op>,
    private readonly run: ReplayRun<S, Op>,
    readonly seeding: ReplicaSeeding,
  ) {}

  readonly onRecord = (record: JournalRecord): Promise<void> | undefined => {
    if (this.core.opsCodec.decodeBatch === undefined) {
      this.#opsSinceClock += this.#apply(record, undefined);
    } else {
      this.#held.push(record);
      if (this.#held.length < warmReplayTuning.batchRecords) return undefined;
      this.#opsSinceClock += this.#applyHeld();
    }
    if (this.#opsSinceClock < OPS_PER_CLOCK_READ) return undefined;
    this.#opsSinceClock = 0;
    if (perfNow() - this.#sliceStart < this.core.policy.replaySliceMs) return undefined;
    return this.#yield();
  };

  /** Applies the records still held back; call it once the journal has passed them all. */
  finish(): void {
    this.#applyHeld();
  }

  /** Decodes the held-back records together (one by one if that fails) and applies them. */
  #applyHeld(): number {
    const records = this.#held;
    if (records.length === 0) return 0;
    this.#held = [];
    let decoded: readonly (readonly Op[])[] | undefined;
    try {
      decoded = this.core.opsCodec.decodeBatch?.(records.map((record) => record.payload));
    } catch {
      decoded = undefined;
    }
    if (decoded?.length !== records.length) decoded = undefined;
    let ops = 0;
    for (let i = 0; i < records.length; i++) {
      ops += this.#apply(records[i] as JournalRecord, decoded?.[i]);
    }
    return ops;
  }

  /**
   * Applies one record, decoding it unless `decoded` holds its ops; returns how many ops it held
   * (at least 1, so empty ones count too).
   */
  #apply(record: JournalRecord, decoded: readonly Op[] | undefined): number {
    let ops: readonly Op[];
    try {
      ops = decoded ?? this.core.opsCodec.decode(record.payload);
      this.run.apply(ops);
    } catch (error) {
      throw new PersistenceError(
        "ERR_CORRUPT",
        `journal record ${record.seq} does not apply: ${describe(error)}`,
        { stage: "open", cause: error, details: { seq: record.seq, reason: "record" } },
      );
    }
    this.seeding.add(record.payload);
    this.bytes += record.payload.byteLength + RECORD_OVERHEAD;
    return Math.max(1, ops.length);
  }

  async #yield(): Promise<void> {
    await yieldToLoop();
    this.#sliceStart = perfNow();
  }
}
