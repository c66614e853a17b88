import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Codec, OpsCodec } from "@snapwrite/core";
import { type DurableStore, type OpenedDurableStore, openDurableStore } from "@snapwrite/store";
import { concatChunks } from "@snapwrite/testkit";
import { afterEach, beforeEach, expect } from "vitest";
import { createStoreReplica, type StoreWorkerReplica } from "../../src/index.js";

/** The owner store of a replica test; the harness adds the directory, codec count and replica. */
export interface ReplicaOwnerConfig<S, Op> {
  /** Worker module of the replica (a test fixture). */
  readonly fixture: URL;
  /** Prefix of the temporary directory made for each test. */
  readonly dirPrefix: string;
  readonly name: string;
  /** The owner's snapshot codec; the harness counts its encodes. */
  readonly codec: Codec<S>;
  readonly ops: OpsCodec<Op>;
  readonly apply: (state: S, ops: readonly Op[]) => S;
  readonly empty: () => S;
}

/** An opened owner store, with every committed state by seq. */
export type OpenedOwner<S, Op> = OpenedDurableStore<S, Op> & { readonly states: Map<number, S> };

/** Per-test directory, replicas and owner stores of a replica test, closed after each test. */
export interface ReplicaHarness<S, Op> {
  /** This test's store directory. */
  readonly dir: string;
  /** Calls of the owner codec's `encode` in this test: with a replica, compaction makes none. */
  readonly ownerEncodes: number;
  /** A replica of the fixture worker, with `{ dir, ...options }` as its options. */
  replica(options?: Record<string, unknown>): StoreWorkerReplica;
  /** Opens the owner store (no automatic compaction), fed to `withReplica` if given. */
  open(withReplica: StoreWorkerReplica | undefined): Promise<OpenedOwner<S, Op>>;
  /** Commits the batches together and expects each to succeed. */
  commitAll(store: DurableStore<S, Op>, batches: readonly Op[][]): Promise<void>;
}

/** The chunks, joined, as hex. */
export const hex = (chunks: Iterable<Uint8Array>) =>
  Buffer.from(concatChunks([...chunks])).toString("hex");

/** Registers the `beforeEach` / `afterEach` of a replica test and returns its helpers. */
export function useReplicaHarness<S, Op>(config: ReplicaOwnerConfig<S, Op>): ReplicaHarness<S, Op> {
  let dir = "";
  let ownerEncodes = 0;
  const replicas: StoreWorkerReplica[] = [];
  const stores: DurableStore<S, Op>[] = [];
  const countedCodec: Codec<S> = {
    name: config.codec.name,
    encode(value) {
      ownerEncodes++;
      return config.codec.encode(value);
    },
    decode: (bytes) => config.codec.decode(bytes),
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), config.dirPrefix));
    ownerEncodes = 0;
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const created of replicas.splice(0)) await created.close();
    await rm(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      return dir;
    },
    get ownerEncodes() {
      return ownerEncodes;
    },
    replica(options = {}) {
      const created = createStoreReplica({ module: config.fixture, options: { dir, ...options } });
      replicas.push(created);
      return created;
    },
    async open(withReplica) {
      const opened = await openDurableStore<S, Op>({
        dir,
        name: config.name,
        codec: countedCodec,
        ops: config.ops,
        apply: config.apply,
        empty: config.empty,
        compaction: false,
        replica: withReplica,
      });
      stores.push(opened.store);
      // Every committed state by seq, to compare a snapshot with the state it claims to hold.
      const states = new Map([[opened.store.read().seq, opened.store.read().value]]);
      opened.store.subscribe((event) => {
        if (event.type === "committed") states.set(event.toSeq, opened.store.read().value);
      });
      return { ...opened, states };
    },
    async commitAll(store, batches) {
      const results = await Promise.all(
        batches.map((ops, i) => store.commit(`batch ${i}`, () => ops).settled),
      );
      for (const result of results) expect(result.ok).toBe(true);
    },
  };
}
