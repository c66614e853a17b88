// The stores `profile:store` alternates between: by default this build with its journal's two ways
// of writing a group, or, with `--baseline DIR`, the store built in another checkout of the
// repository against this build's, so that a change is measured before and after in one process.

import * as nodeFs from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { FsPort } from "@snapwrite/core";
import type * as JsonModule from "@snapwrite/formats-json";
import type * as StoreModule from "@snapwrite/store";
import {
  type KeyedBenchStore,
  keyedSnapshotCodec,
  openKeyedBenchStore,
} from "./keyed-bench-store.js";

/** One store to measure: a label for the table and how to open it on a seeded directory. */
export interface CommitVariant {
  readonly label: string;
  open(dir: string): Promise<KeyedBenchStore>;
}

/** The name the snapshot codec of every variant uses (the seeded snapshot carries it). */
export const SNAPSHOT_NAME = "store-commit-profile";

/** When a variant's commits are acknowledged. */
export type ProfileDurability = "commit" | "os";

/**
 * This build's store with the default journal writes (one O_DSYNC writev per group) and with
 * node's fs passed in (a writev and an fdatasync per group).
 */
export function journalWriteVariants(durability: ProfileDurability): CommitVariant[] {
  const codec = keyedSnapshotCodec(SNAPSHOT_NAME);
  const open = async (dir: string, extra: { fs?: FsPort }) =>
    (await openKeyedBenchStore(dir, codec, { durability, ...extra })).store;
  return [
    { label: "O_DSYNC writev", open: (dir) => open(dir, {}) },
    {
      label: "writev + fdatasync",
      open: (dir) => open(dir, { fs: nodeFs as unknown as FsPort }),
    },
  ];
}

/**
 * The store built in the checkout `baseline` (its `packages/store` and `packages/formats-json`
 * dist, with the keyed state, apply and codecs of that build) and this build's, both with the
 * default journal writes.
 */
export async function baselineVariants(
  baseline: string,
  durability: ProfileDurability,
): Promise<CommitVariant[]> {
  const root = resolve(baseline);
  const load = (pkg: string) =>
    import(pathToFileURL(join(root, "packages", pkg, "dist", "index.js")).href);
  const store = (await load("store")) as typeof StoreModule;
  const json = (await load("formats-json")) as typeof JsonModule;
  const codec = store.createKeyedCollectionsCodec({
    json: json.createJsonCodec({ version: 1 }),
    name: SNAPSHOT_NAME,
  });
  const openBaseline = async (dir: string): Promise<KeyedBenchStore> => {
    const opened = await store.openDurableStore<StoreModule.KeyedCollections, StoreModule.KeyedOp>({
      dir,
      codec,
      ops: json.createJsonOpsCodec() as never,
      apply: store.applyKeyedOps,
      replay: store.replayKeyedOps,
      empty: store.emptyCollections,
      compaction: false,
      durability,
    });
    return opened.store as unknown as KeyedBenchStore;
  };
  const [thisBuild] = journalWriteVariants(durability) as [CommitVariant];
  return [
    { label: `baseline ${baseline}`, open: openBaseline },
    { label: "this build", open: thisBuild.open },
  ];
}
