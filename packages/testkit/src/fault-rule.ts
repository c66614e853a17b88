import { raceAbort } from "@snapwrite/core";
import { type RuleValidator, ruleLabel } from "./fault-plan-validation.js";

/** Selects paths: exact string, regular expression, or predicate. */
export type PathMatcher = string | RegExp | ((path: string) => boolean);

/** True when `path` satisfies `matcher` (no matcher: everything matches). */
export function matchesPath(matcher: PathMatcher | undefined, path: string | undefined): boolean {
  if (matcher === undefined) return true;
  if (path === undefined) return false;
  if (typeof matcher === "string") return matcher === path;
  if (matcher instanceof RegExp) {
    matcher.lastIndex = 0;
    return matcher.test(path);
  }
  return matcher(path);
}

/**
 * Tracks which calls a rule fires on: `nth` (1-based, among the calls the rule matches) and
 * `times` consecutive matching calls from there.
 */
function createRuleCounter(nth: number | undefined, times: number | undefined): () => boolean {
  const first = nth ?? 1;
  const count = times ?? 1;
  if (!Number.isInteger(first) || first < 1) throw new RangeError(`nth must be an integer >= 1`);
  if (!(count >= 1)) throw new RangeError(`times must be >= 1`);
  let seen = 0;
  return () => {
    seen += 1;
    return seen >= first && seen < first + count;
  };
}

/** The counting fields every fault rule shares. */
export interface CountedRule<F> {
  /** Fire on the nth matching call, 1-based. Default 1. */
  readonly nth?: number | undefined;
  /** Fire on this many consecutive matching calls from `nth` on (`Infinity`: all). Default 1. */
  readonly times?: number | undefined;
  /** What happens. */
  readonly fault: F;
}

/** A growing list of rules that picks the fault, if any, for each call. */
export interface FaultPlan<R extends CountedRule<unknown>, C> {
  /** Appends rules; counting for them starts now. */
  add(rules: readonly R[]): void;
  /**
   * The fault of the first rule that fires on `call`. Every rule `call` matches counts it,
   * even after an earlier rule has fired, so each rule's `nth` means "the nth call it matches".
   */
  pick(call: C): R["fault"] | undefined;
}

/**
 * Creates a {@link FaultPlan} whose rules apply to a call when `matches` says so. `validate`
 * checks each rule of every `add` before any of them is added (labelled `"<owner>: rule <i>"`).
 */
export function createFaultPlan<R extends CountedRule<unknown>, C>(
  matches: (rule: R, call: C) => boolean,
  validate?: { readonly owner: string; readonly rule: RuleValidator },
): FaultPlan<R, C> {
  const active: { readonly rule: R; readonly fires: () => boolean }[] = [];
  return {
    add(rules) {
      if (validate !== undefined) {
        if (!Array.isArray(rules)) {
          throw new TypeError(`${validate.owner}: the plan must be an array of rules`);
        }
        rules.forEach((rule, i) => {
          validate.rule(rule, ruleLabel(validate.owner, i));
        });
      }
      for (const rule of rules)
        active.push({ rule, fires: createRuleCounter(rule.nth, rule.times) });
    },
    pick(call) {
      let chosen: R["fault"] | undefined;
      for (const { rule, fires } of active) {
        if (!matches(rule, call)) continue;
        if (fires() && chosen === undefined) chosen = rule.fault;
      }
      return chosen;
    },
  };
}

/** Builds an `AbortError` the way Node does (`name: "AbortError"`, `code: "ABORT_ERR"`). */
export function createAbortError(reason?: unknown): Error {
  const error = new Error("The operation was aborted", { cause: reason }) as Error & {
    code: string;
  };
  error.name = "AbortError";
  error.code = "ABORT_ERR";
  return error;
}

/** Waits `ms` with the global timers (fake timers apply). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A pending hang: resolves when released, rejects with an AbortError when a signal fires. */
interface Hang {
  readonly promise: Promise<void>;
  release(): void;
}

/** Creates a {@link Hang} that also ends when `signal` aborts. */
function createHang(signal: AbortSignal | undefined): Hang {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const promise = raceAbort(released, signal, (aborted) => createAbortError(aborted.reason));
  return { promise, release: () => release() };
}

/** The calls currently held by hang faults, and the controls tests use on them. */
export interface HangRegistry<C extends { readonly seq: number }> {
  /** Calls currently held. */
  readonly hanging: readonly C[];
  /**
   * Holds `call` until {@link HangRegistry.release} (resolves) or until `signal` aborts
   * (rejects with an `AbortError`).
   */
  hold(call: C, signal: AbortSignal | undefined): Promise<void>;
  /** Lets held calls proceed: the one with sequence number `seq`, or all of them. */
  release(seq?: number): void;
  /** Resolves with the first call that is (or becomes) held and was not returned before. */
  waitForHang(): Promise<C>;
}

/** Creates an empty {@link HangRegistry}. */
export function createHangRegistry<C extends { readonly seq: number }>(): HangRegistry<C> {
  const hangs = new Map<number, { call: C; hang: Hang }>();
  const reported = new Set<number>();
  const waiters: ((call: C) => void)[] = [];

  const notify = () => {
    for (const [seq, { call }] of hangs) {
      if (reported.has(seq)) continue;
      const waiter = waiters.shift();
      if (waiter === undefined) return;
      reported.add(seq);
      waiter(call);
    }
  };

  return {
    get hanging() {
      return [...hangs.values()].map((entry) => entry.call);
    },
    async hold(call, signal) {
      const hang = createHang(signal);
      hangs.set(call.seq, { call, hang });
      notify();
      try {
        await hang.promise;
      } finally {
        hangs.delete(call.seq);
      }
    },
    release(seq) {
      for (const [key, entry] of [...hangs]) {
        if (seq === undefined || key === seq) entry.hang.release();
      }
    },
    waitForHang() {
      return new Promise<C>((resolve) => {
        waiters.push(resolve);
        notify();
      });
    },
  };
}
