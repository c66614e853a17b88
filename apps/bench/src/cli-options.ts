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
  /** Write the results (off with `--no-save`). */
  readonly save: boolean;
  /**
   * Write the committed reference results (`results/latest*.json|svg`) instead of the ignored
   * `results/local/` folder (`--update-reference`).
   */
  readonly updateReference: boolean;
  /** Print {@link BENCH_USAGE} and run nothing (`--help`, `-h`). */
  readonly help: boolean;
}

/** What `npm run bench -- --help` prints. */
export const BENCH_USAGE = `usage: npm run bench [-- options]

  --full                also run the 1M-record workloads (the quick run has 100k)
  --records N           one record count instead, for trying things out
  --only TEXT           only workloads or contenders whose id contains TEXT
  --seed N              seed of the synthetic workload (default 20261122)
  --no-save             write no results
  --update-reference    write the committed reference results instead of results/local/
  -h, --help            print this and exit

Other benches: npm run bench:postgres, bench:journal, bench:store (see apps/bench/README.md).`;

/** A command-line mistake: printed with the usage, without a stack trace. */
export class BenchUsageError extends Error {
  override readonly name = "BenchUsageError";
}

/** Quick mode: 100k records. */
export const QUICK_RECORDS = 100_000;
/** Full mode adds 1M records. */
export const FULL_RECORDS = 1_000_000;

/**
 * Parses `--full`, `--records N` (one count, for trying things out), `--only TEXT`, `--seed N`,
 * `--no-save` and `--update-reference` (together with `--no-save` it is a usage error). Unknown flags are an error, so a typo does not silently run the wrong bench.
 */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  try {
    return parseOrThrow(argv);
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
}

function parseOrThrow(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      full: { type: "boolean", default: false },
      records: { type: "string" },
      only: { type: "string" },
      seed: { type: "string", default: "20261122" },
      "no-save": { type: "boolean", default: false },
      "update-reference": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const seed = Number(values.seed);
  if (!Number.isInteger(seed))
    throw new RangeError(`--seed must be an integer, got ${values.seed}`);
  if (values["no-save"] && values["update-reference"]) {
    throw new RangeError("--update-reference writes results, --no-save writes none: pick one");
  }
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
    updateReference: values["update-reference"] ?? false,
    help: values.help ?? false,
  };
}
