import BTreeModule from "sorted-btree";

// sorted-btree is CommonJS with `exports.default = BTree`: Node's ES module import sees
// `module.exports`, while bundlers and test runners that apply CommonJS interop see the class.
/** The `BTree` class of sorted-btree, whichever way the CommonJS module was imported. */
export const BTree: typeof BTreeModule.default =
  (BTreeModule as { default?: typeof BTreeModule.default }).default ??
  (BTreeModule as unknown as typeof BTreeModule.default);

/** A sorted-btree B+ tree. `clone()` is O(1) and copies a shared node the first time it changes. */
export type Tree<K, V> = InstanceType<typeof BTree<K, V>>;
