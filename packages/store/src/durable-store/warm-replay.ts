import { PersistenceError } from "@snapwrite/core";
import type { JournalRecord } from "@snapwrite/journal";
import type { ReplayRun } from "../durable-store-types.js";
import { perfNow, yieldToLoop } from "../replay-slicing.js";
import type { ReplicaSeeding } from "../store-replica.js";
import { describe, RECORD_OVERHEAD } from "./entries.js";
import type { StoreCore } from "./store-core.js";

/** Ops applied between two readings of the clock (a record with more reads it at once). */
const OPS_PER_CLOCK_READ = 16;

/**
 * A warm load's journal records, applied one by one to the replay run as the journal reads them.
 * `onRecord` is the journal's callback: it returns a promise only when the slice has run for
 * `replaySliceMs` and the event loop gets its turn, so the records between two turns cost no
 * promise each. The clock is read after every {@link OPS_PER_CLOCK_READ} ops, not per record.
 */
export class WarmReplay<S, Op> {
  /** Bytes of the records applied, with their record overhead. */
  bytes = 0;
  #sliceStart = perfNow();
  #opsSinceClock = 0;

  constructor(
    private readonly core: StoreCore<S, Op>,
    private readonly run: ReplayRun<S, Op>,
    readonly seeding: ReplicaSeeding,
  ) {}

  readonly onRecord = (record: JournalRecord): Promise<void> | undefined => {
    this.#opsSinceClock += this.#apply(record);
    if (this.#opsSinceClock < OPS_PER_CLOCK_READ) return undefined;
    this.#opsSinceClock = 0;
    if (perfNow() - this.#sliceStart < this.core.policy.replaySliceMs) return undefined;
    return this.#yield();
  };

  /** Applies one record; returns how many ops it held (at least 1, so empty ones count too). */
  #apply(record: JournalRecord): number {
    let ops: readonly Op[];
    try {
      ops = this.core.opsCodec.decode(record.payload);
      this.run.apply(ops);
    } catch (error) {
      throw new PersistenceError(
        "ERR_CORRUPT",
        `journal record ${record.seq} does not apply: ${describe(error)}`,
        { cause: error, details: { seq: record.seq, reason: "record" } },
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
