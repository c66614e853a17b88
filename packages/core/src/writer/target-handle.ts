import type { TargetRunner } from "../attempt/target-runner.js";
import type { Codec } from "../contracts/codec.js";
import type { TargetId } from "../contracts/target.js";
import type { WriteResult } from "../contracts/write-result.js";
import { assertKnownOptions } from "../sink-kit/known-options.js";
import { closedError } from "./closed-error.js";
import type { RequestOptions } from "./options.js";
import type { CoalescingScheduler } from "./scheduler/coalescing-scheduler.js";
import type { PersistenceTicket } from "./scheduler/ticket-batch.js";
import type { TargetState } from "./target-state.js";

/** A registered target: where the owner asks for saves. */
export interface TargetHandle<T> {
  /** Target id. */
  readonly target: TargetId;
  /**
   * Records that the state changed and should become durable. O(1), no I/O; throws only
   * `ERR_CLOSED` (after `close()` began) and `TypeError` for options that are no object, an
   * unknown option key or a bad urgency.
   */
  request(reason: string, options?: RequestOptions): PersistenceTicket;
  /**
   * An immediate request: resolves with the outcome of the write that covers it (which may be a
   * failure; check `ok`). Never rejects; throws `ERR_CLOSED` after `close()` began.
   */
  saveNow(reason: string): Promise<WriteResult>;
  /** Generations and flags, read now. */
  readonly state: TargetState;
  /** The codec the target was registered with. */
  readonly codec: Codec<T>;
}

/**
 * A target registered with a {@link TargetRunner}: the same requests, tickets and state as a
 * {@link TargetHandle}, without a codec (the runner encodes).
 */
export interface RunnerTargetHandle<R extends TargetRunner = TargetRunner>
  extends Omit<TargetHandle<never>, "codec"> {
  /** The runner the target was registered with. */
  readonly runner: R;
}

/**
 * What every handle has, whichever way its target was registered: `request`, `saveNow` and the
 * live `state` of `scheduler`, refused with `ERR_CLOSED` once `writer.closing`. Internal.
 */
export function targetHandleMethods(
  scheduler: CoalescingScheduler,
  writer: { readonly closing: boolean },
): Omit<TargetHandle<never>, "codec"> {
  const target = scheduler.target;
  return {
    target,
    request(reason: string, requestOptions?: RequestOptions): PersistenceTicket {
      if (writer.closing) throw closedError(`request a save of ${JSON.stringify(target)}`);
      if (requestOptions !== undefined) checkRequestOptions(requestOptions);
      const urgency = requestOptions?.urgency;
      if (urgency === undefined || urgency === "debounced") {
        return scheduler.request(reason, false);
      }
      if (urgency === "immediate") return scheduler.request(reason, true);
      throw new TypeError(
        `urgency must be "debounced" or "immediate", got ${JSON.stringify(urgency)}`,
      );
    },
    saveNow(reason: string): Promise<WriteResult> {
      if (writer.closing) throw closedError(`save ${JSON.stringify(target)}`);
      return scheduler.request(reason, true).settled;
    },
    get state(): TargetState {
      return scheduler.state();
    },
  };
}

/** The keys of {@link RequestOptions}; any other is a `TypeError` (a typo). */
const REQUEST_OPTION_KEYS: ReadonlySet<string> = new Set([
  "urgency",
] satisfies (keyof RequestOptions)[]);

/** Refuses `request()` options that are no object, or hold a key it does not take (`TypeError`). */
function checkRequestOptions(options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `request(): options must be an object, got ${options === null ? "null" : typeof options}`,
    );
  }
  assertKnownOptions("request()", options, REQUEST_OPTION_KEYS);
}
