import { choicesAt, type ModelBase, type ModelOp, materialize, toMemoryFs } from "./crash-model.js";
import type { CrashState, CrashStatesOptions, CrashTraceEntry } from "./crashable-fs-types.js";

/** What {@link listCrashStates} enumerates: the model, its operations and the defaults. Internal. */
export interface CrashHistory {
  readonly base: ModelBase;
  readonly ops: readonly ModelOp[];
  readonly trace: readonly CrashTraceEntry[];
  readonly seed: number;
  readonly defaultMax: number;
}

function describeOp(
  trace: readonly CrashTraceEntry[],
  torn: ReadonlyMap<number, number>,
  seq: number,
): string {
  const entry = trace[seq - 1];
  if (entry === undefined) return `#${seq}`;
  const cut = torn.get(seq);
  const extra = entry.dest === undefined ? "" : ` -> ${entry.dest}`;
  const tear = cut === undefined ? "" : ` (torn: ${cut} of ${entry.bytes} bytes)`;
  return `#${seq} ${entry.op} ${entry.path}${extra}${tear}`;
}

/** The distinct crash states of `history` (see `CrashableFs.crashStates`). Internal. */
export function listCrashStates(
  history: CrashHistory,
  stateOptions: CrashStatesOptions = {},
): CrashState[] {
  const { base, ops, trace, seed } = history;
  const from = Math.max(0, stateOptions.from ?? 0);
  const to = Math.min(ops.length, stateOptions.to ?? ops.length);
  const max = stateOptions.maxStates ?? history.defaultMax;
  const points = Math.max(1, to - from + 1);
  const budget = Math.max(2, Math.floor(max / points));
  const seen = new Set<string>();
  const states: CrashState[] = [];
  for (let point = from; point <= to; point++) {
    for (const choice of choicesAt(ops, point, budget, seed)) {
      const state = materialize(base, ops, choice);
      if (seen.has(state.key)) continue;
      seen.add(state.key);
      const persisted = choice.lucky.map((index) => index + 1);
      const torn = new Map([...choice.torn].map(([index, bytes]) => [index + 1, bytes]));
      const last = trace[point - 1];
      states.push({
        afterOp: point,
        persisted,
        torn,
        description:
          `crash after op ${point}${last === undefined ? " (before any)" : ` (${last.op} ${last.path})`}` +
          `; un-synced ops that reached the disk: ${persisted.length === 0 ? "none" : persisted.map((seq) => describeOp(trace, torn, seq)).join(", ")}`,
        files: state.files,
        fs: () => toMemoryFs(state),
      });
    }
  }
  return states;
}
