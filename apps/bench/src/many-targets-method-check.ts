// Goal 5's method against itself: measureManyTargets (many-targets.ts) with whole passes
// (`segments: 1`) and with passes cut into `--segments` alternating segments, the two methods in
// alternating runs in this one process, each run printing its verdict ratio and per-round ratios.
// `--no-op-writer` swaps the writer for a bare queue of `sink.write` calls (`concurrency` at a
// time, no scheduling, no results), so both sides do the same work and a fair method judges them
// about 1×: the spread shows the method's own noise, an offset its bias.
// Run: npm run build -w @snapwrite/bench && npm run profile:targets-method -w @snapwrite/bench
// [-- --targets 4000 --segments 4 --runs 4 --no-op-writer]

import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Codec, Sink } from "@snapwrite/core";
import { positiveArg } from "./keyed-bench-store.js";
import { measureManyTargets } from "./many-targets.js";
import { loadSnapwriteModules, type SnapwriteModules } from "./snapwrite-modules.js";

const { values: args } = parseArgs({
  options: {
    targets: { type: "string", default: "4000" },
    segments: { type: "string", default: "4" },
    rounds: { type: "string", default: "3" },
    runs: { type: "string", default: "4" },
    "no-op-writer": { type: "boolean", default: false },
  },
  strict: true,
});

type WriterFactory = NonNullable<SnapwriteModules["createPersistenceWriter"]>;

/** Requests become `sink.write` calls, `concurrency` at a time in request order; nothing else. */
function createNoOpWriter(options: { sink?: Sink; concurrency?: number }) {
  const sink = options.sink as Sink;
  const concurrency = options.concurrency ?? 8;
  const queue: (() => Promise<void>)[] = [];
  let head = 0;
  let active = 0;
  const pump = (): void => {
    while (active < concurrency && head < queue.length) {
      const job = queue[head++] as () => Promise<void>;
      active++;
      void job().finally(() => {
        active--;
        pump();
      });
    }
  };
  return {
    register(target: string, registered: { snapshot: () => unknown; codec: Codec<unknown> }) {
      return {
        request() {
          const settled = new Promise<{ ok: boolean }>((resolve) => {
            queue.push(() =>
              sink.write(target, registered.codec.encode(registered.snapshot())).then(
                () => resolve({ ok: true }),
                () => resolve({ ok: false }),
              ),
            );
          });
          queueMicrotask(pump);
          return { settled };
        },
      };
    },
    async close() {},
  };
}

async function main(): Promise<void> {
  const targets = positiveArg("targets", args.targets);
  const segments = positiveArg("segments", args.segments);
  const rounds = positiveArg("rounds", args.rounds);
  const runs = positiveArg("runs", args.runs);
  const loaded = await loadSnapwriteModules();
  const modules: SnapwriteModules = args["no-op-writer"]
    ? { ...loaded, createPersistenceWriter: createNoOpWriter as unknown as WriterFactory }
    : loaded;
  process.stdout.write(
    `load ${loadavg()[0]?.toFixed(2)}, ${targets} targets, ${rounds} rounds, ${args["no-op-writer"] ? "no-op writer" : "the writer"}\n`,
  );
  const root = await mkdtemp(join(tmpdir(), "many-targets-method-"));
  try {
    for (let run = 0; run < runs; run++) {
      for (const cut of run % 2 === 0 ? [1, segments] : [segments, 1]) {
        const result = await measureManyTargets(modules, root, {
          targets,
          concurrency: 16,
          rounds,
          minRounds: rounds,
          budgetMs: 0,
          segments: cut,
        });
        if (!result) throw new Error("no createFsSink/createPersistenceWriter");
        const perRound = result.rounds.map((r) => r.ratio).join(", ");
        process.stdout.write(
          `segments ${cut}: ${result.ratio}× (rounds ${perRound}), writer ${result.writerTargetsPerSec}/s, sink ${result.sinkTargetsPerSec}/s${result.failures ? `, ${result.failures} failed` : ""}\n`,
        );
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
