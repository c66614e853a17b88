import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { OpsCodec, Sink } from "@snapwrite/core";
import { serveReplica } from "./serve-replica.js";
import { type StoreReplicaState, StoreStateReplica } from "./store-state-replica.js";

/** What a worker module hands to {@link serveStoreReplica}. `O` is the replica's `options`. */
export interface StoreReplicaWorkerDefinition<Op, O = unknown> {
  /** Name used in error messages. Default `"store-replica"`. */
  readonly name?: string | undefined;
  /** The store's ops codec (`options.ops` of `openDurableStore`): decodes the journal's batches. */
  readonly ops: OpsCodec<Op>;
  /** Builds the empty state (see {@link StoreReplicaState}). */
  createState(options: O): StoreReplicaState<Op> | Promise<StoreReplicaState<Op>>;
  /** The sink the snapshots are written with: rooted at the store's directory (`createFsSink({ dir })`). */
  createSink(options: O): Sink | Promise<Sink>;
  /**
   * Reads a snapshot file of the store's directory (synchronous: it runs in the worker). Default:
   * `readFileSync(join(options.dir, target))`, for `options` that hold the store's `dir`.
   */
  readSnapshot?: ((target: string, options: O) => Uint8Array) | undefined;
}

function defaultReadSnapshot(options: unknown): (target: string) => Uint8Array {
  const dir = (options as { dir?: unknown } | null | undefined)?.dir;
  if (typeof dir !== "string" || dir === "") {
    throw new TypeError("serveStoreReplica needs readSnapshot, or options with the store's dir");
  }
  return (target) => readFileSync(join(dir, target));
}

/**
 * Serves a store replica in a worker thread started by `createStoreReplica`: call it once at the
 * top of the worker module. The worker decodes the store's committed op batches with `ops`, applies
 * them to the state, and writes the seq-named snapshots the store asks for with its own sink.
 * Returns `false` outside such a worker; `TypeError` for a bad definition.
 */
export function serveStoreReplica<Op, O = unknown>(
  definition: StoreReplicaWorkerDefinition<Op, O>,
): boolean {
  if (
    typeof definition !== "object" ||
    definition === null ||
    typeof definition.ops?.decode !== "function" ||
    typeof definition.createState !== "function" ||
    typeof definition.createSink !== "function" ||
    (definition.readSnapshot !== undefined && typeof definition.readSnapshot !== "function")
  ) {
    throw new TypeError(
      "serveStoreReplica needs { ops, createState(options), createSink(options), readSnapshot? }",
    );
  }
  const { ops, readSnapshot } = definition;
  return serveReplica<never, O>({
    name: definition.name ?? "store-replica",
    createSink: (options) => definition.createSink(options),
    async createReplica(options) {
      const read =
        readSnapshot === undefined
          ? defaultReadSnapshot(options)
          : (target: string) => readSnapshot(target, options);
      const state = await definition.createState(options);
      if (
        typeof state !== "object" ||
        state === null ||
        typeof state.load !== "function" ||
        typeof state.apply !== "function" ||
        typeof state.encode !== "function"
      ) {
        throw new TypeError("createState() must return { load(file), apply(ops), encode() }");
      }
      return new StoreStateReplica(state, ops, read);
    },
  });
}
