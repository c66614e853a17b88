import { PersistenceError, type TargetId } from "@snapwrite/core";
import type { Connector } from "./checkout.js";
import type { Settings } from "./postgres-sink-options.js";

/** What one write knows: where, as whom, and which generation. Internal. */
export interface WriteContext {
  readonly pool: Connector;
  readonly settings: Settings;
  readonly epoch: number;
  readonly generation: number;
  readonly target: TargetId;
  readonly durable: boolean;
}

/** Which step a write is in: the `stage` its errors report. */
export interface Progress {
  stage: "open" | "lock" | "write" | "rename" | "sync";
}

/** The error of a write aborted at `stage`. Internal. */
export function abortedError(target: TargetId, stage: Progress["stage"]): PersistenceError {
  return new PersistenceError("ERR_ABORTED", `write of ${JSON.stringify(target)} was aborted`, {
    stage,
    target,
  });
}

/** The error of a write fenced off by a newer stored `(epoch, generation)`. Internal. */
export function staleError(context: WriteContext, stored: { epoch: number; generation: number }) {
  const { target, epoch, generation } = context;
  return new PersistenceError(
    "ERR_STALE",
    `write of ${JSON.stringify(target)} at (epoch ${epoch}, generation ${generation}) is older than the stored (epoch ${stored.epoch}, generation ${stored.generation}): this writer was fenced off`,
    {
      stage: "rename",
      target,
      details: {
        epoch,
        generation,
        storedEpoch: stored.epoch,
        storedGeneration: stored.generation,
      },
    },
  );
}
