import BTreeModule from "sorted-btree";
import { bulkLoad as bulkLoadTree } from "sorted-btree/extended/bulkLoad.js";

// sorted-btree is CommonJS with `exports.default = BTree`: Node's ES module import sees
// `module.exports`, while bundlers and test runners that apply CommonJS interop see the class.
const BTree: typeof BTreeModule.default =
  (BTreeModule as { default?: typeof BTreeModule.default }).default ??
  (BTreeModule as unknown as typeof BTreeModule.default);

/** A sorted-btree B+ tree. `clone()` is O(1) and copies a shared node the first time it changes. */
export type Tree<K, V> = InstanceType<typeof BTree<K, V>>;

/**
 * A tree of `keys` (strictly ascending under `compare`) and their `values`, built in O(n) with
 * leaves 80% full (sorted-btree's default), so later inserts rarely split a node.
 */
export function bulkLoad<K, V>(
  keys: K[],
  values: V[],
  maxNodeSize: number,
  compare: (a: K, b: K) => number,
): Tree<K, V> {
  return bulkLoadTree(keys, values, maxNodeSize, compare) as Tree<K, V>;
}
