import type { WriteResult } from "../../contracts/write-result.js";

/**
 * The tickets of all requests made since the last snapshot capture. They are always covered by the
 * same write, so they share one promise: a request costs a counter increment, not a promise.
 */
export class TicketBatch {
  /** Requests in the batch. */
  count = 0;
  /** Whether the batch got its outcome. */
  settled = false;
  /** Resolves with the outcome of the write covering the batch. Never rejects. */
  readonly promise: Promise<WriteResult>;
  private resolve!: (result: WriteResult) => void;

  constructor() {
    this.promise = new Promise<WriteResult>((resolve) => {
      this.resolve = resolve;
    });
  }

  /** Settles every ticket of the batch; later calls are ignored. */
  settle(result: WriteResult): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(result);
  }
}

/** What `request()` returns. */
export interface PersistenceTicket {
  /** Generation of the request. */
  readonly generation: number;
  /**
   * Resolves with the first write outcome whose generation covers this request: a success, or a
   * failure of a write that included it. Never rejects.
   */
  readonly settled: Promise<WriteResult>;
}

/** Plain two-field ticket with a stable shape. */
export class Ticket implements PersistenceTicket {
  constructor(
    readonly generation: number,
    readonly settled: Promise<WriteResult>,
  ) {}
}
