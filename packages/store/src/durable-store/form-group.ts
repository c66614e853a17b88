import type { PersistenceError } from "@snapwrite/core";
import type { CommitResult } from "../durable-store-types.js";
import {
  type CommitEntry,
  failed,
  type Member,
  type OutboxItem,
  RECORD_OVERHEAD,
  type Settle,
} from "./entries.js";
import type { Policy } from "./policy.js";
import type { StoreCore } from "./store-core.js";

/** A prepared external change that joins a group on its own. */
export interface ExternalChange<S> {
  readonly settle: Settle;
  readonly at: number;
  readonly payload: Uint8Array;
  readonly next: S;
}

/**
 * One group being formed: the unsaved write-behind batches first, then the records of the commands
 * run on the head state, each with the state after it.
 */
export class GroupBuilder<S, Op> {
  readonly records: Uint8Array[];
  readonly heads: S[] = [];
  /** The commands that produced ops or none; their `settle` only records the result (see below). */
  readonly members: Member[] = [];
  /** How many commands failed when run (settled `ERR_COMMAND`). */
  rejected = 0;
  /**
   * Every command's result slot, in queue order: a result is recorded once known, and all are
   * settled together by {@link settleInOrder} once the group has been written, so results arrive
   * in queue order (a command that threw does not overtake the commands queued before it).
   */
  private readonly results: { readonly settle: Settle; result: CommitResult | undefined }[] = [];
  head: S;
  private bytes: number;
  private cap = Number.POSITIVE_INFINITY;

  constructor(
    head: S,
    readonly outbox: readonly OutboxItem<S, Op>[],
    private readonly policy: Policy,
  ) {
    this.head = head;
    this.records = outbox.map((item) => item.payload);
    // The visible head already holds the write-behind batches; their intermediate states are
    // only needed for a partial failure, which the single-writev group rules out.
    for (let i = 0; i < outbox.length; i++) this.heads.push(head);
    this.bytes = this.records.reduce((sum, p) => sum + p.byteLength + RECORD_OVERHEAD, 0);
  }

  /** Whether the group takes no more commands. */
  get full(): boolean {
    return this.members.length >= this.policy.maxCommands || this.bytes >= this.cap;
  }

  /** Adds a record and the state after it; returns its index in the group. */
  addRecord(payload: Uint8Array, next: S): number {
    const size = payload.byteLength + RECORD_OVERHEAD;
    // The first command's record sets the cap (LevelDB's rule: a small first record does not
    // wait behind a big group).
    if (this.cap === Number.POSITIVE_INFINITY) {
      this.cap = Math.min(this.policy.maxBytes, size + this.policy.smallFirstBytes);
    }
    this.records.push(payload);
    this.heads.push(next);
    this.bytes += size;
    this.head = next;
    return this.records.length - 1;
  }

  addExternal(change: ExternalChange<S>): void {
    const record = this.addRecord(change.payload, change.next);
    this.addMember({ settle: change.settle, at: change.at, commandMs: 0, record, before: 0 });
  }

  /** Adds a command's member; its `settle` records the result for {@link settleInOrder}. */
  addMember(member: Member): void {
    this.members.push({ ...member, settle: this.slot(member.settle) });
  }

  reject(settle: Settle, error: PersistenceError): void {
    this.rejected++;
    this.slot(settle)(failed(error));
  }

  /** Settles the recorded results in queue order (a slot without one stays open). */
  settleInOrder(): void {
    const results = this.results.splice(0);
    for (const { settle, result } of results) if (result !== undefined) settle(result);
  }

  private slot(settle: Settle): Settle {
    const slot: { settle: Settle; result: CommitResult | undefined } = {
      settle,
      result: undefined,
    };
    this.results.push(slot);
    return (result) => {
      slot.result ??= result;
    };
  }
}

/**
 * Starts a group from the core's outbox (emptying it; when the store is read-only the outbox
 * fails instead) on the visible state.
 */
export function startGroup<S, Op>(core: StoreCore<S, Op>): GroupBuilder<S, Op> {
  if (core.readOnlyError !== undefined && core.outbox.length > 0) {
    // Nothing can be journaled until a reload; the unsaved changes stay visible until then.
    core.failOutbox(core.readOnlyError, false);
  }
  const group = new GroupBuilder<S, Op>(core.visible.value, core.outbox, core.policy);
  core.outbox = [];
  core.visibleBase = { value: group.head };
  return group;
}

/**
 * Takes the commands (and flush requests) waiting at the lane's head into the group, starting at
 * clock time `now`; returns the clock time after the last one (one clock read per command: a
 * command's end is the next one's start).
 */
export function takeCommands<S, Op>(
  core: StoreCore<S, Op>,
  group: GroupBuilder<S, Op>,
  now: number,
): number {
  for (let entry = core.lane.peek(); entry !== undefined; entry = core.lane.peek()) {
    if (entry.kind === "flush") {
      core.lane.take();
      continue;
    }
    if (entry.kind !== "commit" || group.full) break;
    core.lane.take();
    now = addCommand(core, group, entry, now);
  }
  return now;
}

function addCommand<S, Op>(
  core: StoreCore<S, Op>,
  group: GroupBuilder<S, Op>,
  entry: CommitEntry<S, Op>,
  started: number,
): number {
  if (core.readOnlyError !== undefined) {
    core.counters.failedCommits++;
    entry.settle(failed(core.readOnlyError));
    return started;
  }
  const state = group.head;
  const prepared = core.prepare(state, entry.command);
  const ended = core.clock.now();
  const commandMs = ended - started;
  if ("error" in prepared) {
    core.counters.commandErrors++;
    group.reject(entry.settle, prepared.error);
    return ended;
  }
  if (prepared.ops.length === 0) {
    group.addMember({
      settle: entry.settle,
      at: entry.at,
      commandMs,
      record: -1,
      before: group.records.length,
    });
    return ended;
  }
  const record = group.addRecord(prepared.payload, prepared.next);
  group.addMember({ settle: entry.settle, at: entry.at, commandMs, record, before: 0 });
  return ended;
}
