// The known.met value and the two codec variants the chunk-pool profiles compare.

import type { Codec } from "@snapwrite/core";
import { createKnownMetCodec, type KnownMet } from "@snapwrite/formats-met";
import { buildItems } from "./bench-run.js";
import { recordMaker } from "./known-met-phase.js";
import { loadSnapwriteModules } from "./snapwrite-modules.js";

/** What both chunk-pool profiles run: one value, and the codec with and without its chunk pool. */
export interface ChunkPoolVariants {
  readonly value: KnownMet;
  /** `"fresh chunks"` (`createKnownMetCodec({ pool: false })`) and `"pooled chunks"` (the default). */
  readonly codecs: Readonly<Record<string, Codec<KnownMet>>>;
}

/** A known.met value of `records` generated records (from `seed`) and the two codecs to compare. */
export async function chunkPoolVariants(records: number, seed: number): Promise<ChunkPoolVariants> {
  const modules = await loadSnapwriteModules();
  const toRecord = recordMaker(modules);
  if (!toRecord) throw new Error("formats-met does not provide createKnownFileRecord");
  const value = {
    header: "auto",
    records: buildItems(records, seed, toRecord),
  } as unknown as KnownMet;
  return {
    value,
    codecs: {
      "fresh chunks": createKnownMetCodec({ pool: false }),
      "pooled chunks": createKnownMetCodec(),
    },
  };
}
