import { parseArgs } from "node:util";

/** Options of one bench run. */
export interface BenchOptions {
  /** Also run the 1M-record workloads. */
  readonly full: boolean;
  /** Record counts of the known-file workloads. */
  readonly recordCounts: readonly number[];
  /** Only run workloads or contenders whose id contains this text. */
  readonly only: string | undefined;
  /** Seed of the synthetic workload. */
  readonly seed: number;
  /** Write results/latest.json and latest.svg (off with `--no-save`). */
  readonly save: boolean;
}

/** Quick mode: 100k records. */
export const QUICK_RECORDS = 100_000;
/** Full mode adds 1M records. */
export const FULL_RECORDS = 1_000_000;

/**
 * Parses `--full`, `--records N` (one count, for trying things out), `--only TEXT`, `--seed N`
 * and `--no-save`. Unknown flags are an error, so a typo does not silently run the wrong bench.
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      full: { type: "boolean", default: false },
      records: { type: "string" },
      only: { type: "string" },
      seed: { type: "string", default: "20261122" },
      "no-save": { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed))
    throw new RangeError(`--seed must be an integer, got ${values.seed}`);
  let recordCounts: number[] = values.full ? [QUICK_RECORDS, FULL_RECORDS] : [QUICK_RECORDS];
  if (values.records !== undefined) {
    const count = Number(values.records);
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`--records must be a positive integer, got ${values.records}`);
    }
    recordCounts = [count];
  }
  return {
    full: values.full ?? false,
    recordCounts,
    only: values.only,
    seed,
    save: !values["no-save"],
  };
}
