// Where a keyed store's point read goes: the same strided keys as `bench:store` (`(r * 7919) %
// entries`, built beforehand) read through the store's whole path (`getEntry` on a
// `KeyedCollections` whose state is the newest version of its line, answered by the hash index),
// through `KeyedState.get` on that version and on an older one (answered by its B+ tree), through a
// bare sorted-btree at several node sizes, and through a plain `Map` (not persistent: the ceiling
// of a flat hash table; also reached through a record, as `getEntry` reaches a state). Rounds
// alternate between the contenders in one process, each round starting at another one, so a
// loaded machine slows them all alike; it prints the median µs per read, the index's build time
// and memory, the cost of a put on the newest version (tree + index) and on a branch off an older
// one (tree only), the string compares per tree read and one persistent put per tree.
// Run: npm run build -w @snapwrite/bench && npm run profile:reads -w @snapwrite/bench
//   [-- --entries 1000000 --reads 100000 --rounds 5 --puts 20000]

import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  createKeyedState,
  emptyCollections,
  getEntry,
  type KeyedState,
  withCollection,
} from "@snapwrite/store";
import BTreeModule from "sorted-btree";
import { positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { createPrng } from "./prng.js";
import { entryValue, fmt, keyOf, type Value } from "./store-bench-run.js";

// sorted-btree is CommonJS with `exports.default = BTree` (see packages/store/src/keyed-state.ts).
const BTree: typeof BTreeModule.default =
  (BTreeModule as { default?: typeof BTreeModule.default }).default ??
  (BTreeModule as unknown as typeof BTreeModule.default);
type Tree = InstanceType<typeof BTree<string, Value>>;

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    reads: { type: "string", default: "100000" },
    rounds: { type: "string", default: "5" },
    puts: { type: "string", default: "20000" },
  },
  strict: true,
});

const ENTRIES = positiveArg("entries", args.entries);
const READS = positiveArg("reads", args.reads);
const ROUNDS = positiveArg("rounds", args.rounds);
const PUTS = positiveArg("puts", args.puts);
const NODE_SIZES = [32, 64, 128, 256] as const;
const COLLECTION = "kv";

let compares = 0;
const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const countingCompare = (a: string, b: string): number => {
  compares++;
  return compareKeys(a, b);
};

function buildTree(maxNodeSize: number, compare = compareKeys): Tree {
  const tree: Tree = new BTree<string, Value>(undefined, compare, maxNodeSize);
  for (let i = 0; i < ENTRIES; i++) tree.set(keyOf(i), entryValue(i, 0), true);
  return tree;
}

/** µs per read of one timed pass over `keys`; a miss is a bug (every key exists). */
function timePass(keys: readonly string[], read: (key: string) => Value | undefined): number {
  let found = 0;
  const t0 = performance.now();
  for (const key of keys) if (read(key) !== undefined) found++;
  const us = ((performance.now() - t0) * 1000) / keys.length;
  if (found !== keys.length) throw new Error(`point reads found ${found} of ${keys.length}`);
  return us;
}

/** µs per persistent put (`with`) of `PUTS` random keys, each put on the previous version. */
function timePuts(tree: Tree, putKeys: readonly string[]): number {
  let version = tree;
  const t0 = performance.now();
  for (let p = 0; p < putKeys.length; p++) {
    version = version.with(putKeys[p] ?? "", entryValue(p, 1), true) as Tree;
  }
  return ((performance.now() - t0) * 1000) / putKeys.length;
}

/** A chain of persistent puts, timed per round: `head` is where the next round starts. */
interface PutChain {
  readonly name: string;
  head: KeyedState<Value>;
  /** Whether each round goes on from the last round's version, or starts again from `head`. */
  readonly continues: boolean;
  readonly times: number[];
}

/** µs per `put` of the chain's keys, each put on the previous version. */
function timeChain(chain: PutChain, putKeys: readonly string[]): void {
  let version = chain.head;
  const t0 = performance.now();
  for (let p = 0; p < putKeys.length; p++) {
    version = version.put(putKeys[p] ?? "", entryValue(p, 1));
  }
  chain.times.push(((performance.now() - t0) * 1000) / putKeys.length);
  if (chain.continues) chain.head = version;
}

/**
 * Reads `state` until its hash index is complete: the time of those reads, how many there were,
 * and the heap the index holds after a full GC (needs --expose-gc, else NaN). Also times the B+
 * tree's bulk load of the same entries, which the index does not slow: it is built by reads.
 */
function buildIndex(
  state: KeyedState<Value>,
  readKeys: readonly string[],
): { ms: number; reads: number; mb: number; bulkMs: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  // The index's key hashes are typed arrays, whose memory lies outside the JS heap.
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = used();
  let reads = 0;
  const t0 = performance.now();
  // Each read answered by the tree copies the next entries into the index; once it is complete
  // a read costs a hash lookup, so the loop ends when a pass of 1,000 reads gets fast.
  let first = Number.NaN;
  while (reads < ENTRIES) {
    const p0 = performance.now();
    for (let r = 0; r < 1000; r++) state.get(readKeys[(reads + r) % readKeys.length] ?? "");
    reads += 1000;
    const pass = performance.now() - p0;
    if (Number.isNaN(first)) first = pass;
    else if (pass < first / 10) break;
  }
  const ms = performance.now() - t0;
  gc?.();
  const mb = gc === undefined ? Number.NaN : (used() - before) / 1e6;
  const keys = Array.from({ length: ENTRIES }, (_, i) => keyOf(i));
  const t1 = performance.now();
  createKeyedState(keys.map((key, i) => [key, entryValue(i, 0)] as const));
  return { ms, reads, mb, bulkMs: performance.now() - t1 };
}

function main(): void {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(
    `read profile: ${ENTRIES.toLocaleString()} entries, ${READS.toLocaleString()} reads, ${ROUNDS} rounds; load ${loadavg()[0]?.toFixed(2)}`,
  );
  const readKeys = Array.from({ length: READS }, (_, r) => keyOf((r * 7919) % ENTRIES));
  const prng = createPrng(42);
  const putKeys = Array.from({ length: PUTS }, () => keyOf(prng.nextInt(0, ENTRIES - 1)));

  const state: KeyedState<Value> = createKeyedState(
    (function* () {
      for (let i = 0; i < ENTRIES; i++) yield [keyOf(i), entryValue(i, 0)] as const;
    })(),
  );
  const indexBuild = buildIndex(state, readKeys);
  // A version made from `state` takes its index over: `state` then reads its B+ tree, as every
  // older version does.
  const owner = state.put(keyOf(0), entryValue(0, 0));
  const collections = withCollection(emptyCollections<Value>(), COLLECTION, owner);
  const trees = new Map(NODE_SIZES.map((size) => [size, buildTree(size)] as const));
  const map = new Map<string, Value>();
  for (let i = 0; i < ENTRIES; i++) map.set(keyOf(i), entryValue(i, 0));
  // The same Map reached through a prototype-less record like a KeyedCollections: a closure over
  // the Map itself lets the compiler treat it as a constant, which no store read can count on.
  const mapRecord: Readonly<Record<string, Map<string, Value>>> = Object.freeze(
    Object.assign(Object.create(null) as Record<string, Map<string, Value>>, { [COLLECTION]: map }),
  );

  const readers: [string, (key: string) => Value | undefined][] = [
    [
      "getEntry(collections, kv, key), newest version (hash index)",
      (key) => getEntry(collections, COLLECTION, key),
    ],
    ["KeyedState.get, newest version (hash index)", (key) => owner.get(key)],
    ["KeyedState.get, older version (B+ tree)", (key) => state.get(key)],
    ...NODE_SIZES.map(
      (size) =>
        [`sorted-btree get, maxNodeSize ${size}`, (key: string) => trees.get(size)?.get(key)] as [
          string,
          (key: string) => Value | undefined,
        ],
    ),
    ["Map get (not persistent)", (key) => map.get(key)],
    [
      "Map get through a record, as getEntry reads (not persistent)",
      (key) => mapRecord.kv?.get(key),
    ],
  ];
  for (const [, read] of readers) timePass(readKeys.slice(0, READS / 10), read); // warm-up
  const times = new Map<string, number[]>(readers.map(([name]) => [name, []]));
  const putTimes = new Map<number, number[]>(NODE_SIZES.map((size) => [size, []]));
  const writer = createKeyedState(
    Array.from({ length: ENTRIES }, (_, i) => [keyOf(i), entryValue(i, 0)] as const),
  );
  buildIndex(writer, readKeys);
  const chains: PutChain[] = [
    {
      name: "KeyedState.put, newest version (tree + index)",
      head: writer,
      continues: true,
      times: [],
    },
    {
      name: "KeyedState.put, from an older version (tree only)",
      head: state,
      continues: false,
      times: [],
    },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    // Each round starts at another reader, so that no row always pays for the garbage the put
    // chains leave (a full GC before each pass would not do: its sweeping goes on in background
    // threads during the pass).
    for (let i = 0; i < readers.length; i++) {
      const [name, read] = readers[(round + i) % readers.length] as (typeof readers)[number];
      times.get(name)?.push(timePass(readKeys, read));
    }
    // Alternating which chain goes first.
    for (const chain of round % 2 === 0 ? chains : [...chains].reverse()) timeChain(chain, putKeys);
    for (const size of NODE_SIZES) {
      const tree = trees.get(size);
      if (tree !== undefined) putTimes.get(size)?.push(timePuts(tree, putKeys));
    }
  }

  log("");
  log("| read path | µs/read (median) | rounds |");
  log("| --- | ---: | --- |");
  for (const [name, list] of times) {
    log(`| ${name} | ${fmt(median(list), 3)} | ${list.map((t) => fmt(t, 2)).join(" · ")} |`);
  }
  log("");
  log(
    `hash index: built by ${indexBuild.reads.toLocaleString()} reads in ${fmt(indexBuild.ms, 0)} ms (the B+ tree's bulk load: ${fmt(indexBuild.bulkMs, 0)} ms), ${fmt(indexBuild.mb, 1)} MB of heap and array buffers`,
  );
  log("");
  log("| put | µs/put (median) | rounds |");
  log("| --- | ---: | --- |");
  for (const { name, times: list } of chains) {
    log(`| ${name} | ${fmt(median(list), 2)} | ${list.map((t) => fmt(t, 2)).join(" · ")} |`);
  }
  log("");
  log("| maxNodeSize | height | compares/read | µs/put (median) |");
  log("| ---: | ---: | ---: | ---: |");
  for (const size of NODE_SIZES) {
    const counted = buildTree(size, countingCompare);
    compares = 0;
    for (const key of readKeys) counted.get(key);
    const perRead = compares / READS;
    log(
      `| ${size} | ${counted.height} | ${fmt(perRead, 1)} | ${fmt(median(putTimes.get(size) ?? []), 2)} |`,
    );
  }
}

main();
