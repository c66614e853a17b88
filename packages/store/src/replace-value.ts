/**
 * A put that replaces the value of a key already present, on a sorted-btree tree whose root is
 * shared with older versions (a fresh `clone()`): it copies the path to the key's leaf as
 * sorted-btree's own `set` does, except that each copy keeps the keys array of the node it copies.
 * Replacing a value changes no key on the path (an inner node's keys are its children's largest
 * keys), so only the leaf's values and the inner nodes' children are new. The copies are marked
 * shared, so sorted-btree copies them again before any change in place: a keys array two versions
 * share is never written.
 *
 * Why: the path copy is the new state, so it outlives the next young-generation collection, which
 * copies it once more (and again when it promotes it). Without the keys arrays a random put on a
 * 1M-entry state leaves about half the bytes for the collector to copy (apps/bench/README.md,
 * "Owner stalls at 16 callers").
 */

/** The fields of a sorted-btree 2.x node that the replacement reads and writes. */
interface TreeNode<V> {
  readonly keys: string[];
  readonly values: V[];
  readonly children?: TreeNode<V>[];
  readonly _size?: number;
  isShared: boolean | undefined;
  indexOf(key: string, failXor: number, compare: (a: string, b: string) => number): number;
}

type LeafConstructor<V> = new (keys: string[], values: V[]) => TreeNode<V>;
type InnerConstructor<V> = new (
  children: TreeNode<V>[],
  size: number | undefined,
  keys: string[],
) => TreeNode<V>;

/** The fields of a sorted-btree 2.x tree that the replacement reads and writes. */
interface TreeFields<V> {
  _root: TreeNode<V>;
  readonly _compare: (a: string, b: string) => number;
}

/** Whether `tree` looks like the sorted-btree 2.x tree this was written against. */
function isTreeFields<V>(tree: unknown): tree is TreeFields<V> {
  const root = (tree as Partial<TreeFields<V>>)._root;
  return (
    root !== undefined &&
    Array.isArray(root.keys) &&
    typeof root.indexOf === "function" &&
    typeof (tree as TreeFields<V>)._compare === "function"
  );
}

/** A copy of `node` with its own children array and the original's keys array, marked shared. */
function copyInner<V>(node: TreeNode<V>): TreeNode<V> {
  const children = (node.children as TreeNode<V>[]).slice(0);
  // Both parents now point at every child: each must be copied before it changes.
  for (const child of children) child.isShared = true;
  const Inner = node.constructor as InnerConstructor<V>;
  const copy = new Inner(children, node._size, node.keys);
  copy.isShared = true;
  return copy;
}

/** A copy of the leaf `node` with its own values array and the original's keys array, marked shared. */
function copyLeaf<V>(node: TreeNode<V>): TreeNode<V> {
  const Leaf = node.constructor as LeafConstructor<V>;
  const copy = new Leaf(node.keys, node.values.slice(0));
  copy.isShared = true;
  return copy;
}

// The inner nodes on the path to the key's leaf and the child index taken at each, reused from one
// call to the next (a put allocates only the copies it returns).
const pathNodes: TreeNode<unknown>[] = [];
const pathSlots: number[] = [];

/**
 * Stores `value` under `key` in `tree` when `key` is present and the tree's root is shared, and
 * returns true; else changes nothing and returns false (the caller then uses `tree.set`). The
 * stored key string stays the one already there (an equal string).
 */
export function replaceSharedValue<V>(tree: unknown, key: string, value: V): boolean {
  if (!isTreeFields<V>(tree) || tree._root.isShared !== true) return false;
  const compare = tree._compare;
  let depth = 0;
  let leaf = tree._root;
  for (let children = leaf.children; children !== undefined; children = leaf.children) {
    const i = Math.min(leaf.indexOf(key, 0, compare), children.length - 1);
    pathNodes[depth] = leaf;
    pathSlots[depth] = i;
    depth++;
    leaf = children[i] as TreeNode<V>;
  }
  const at = leaf.indexOf(key, -1, compare);
  // Absent, or a leaf whose values array is not its own (sorted-btree's shared empty values).
  const found = at >= 0 && leaf.values.length === leaf.keys.length;
  let child = leaf;
  if (found) {
    child = copyLeaf(leaf);
    child.values[at] = value;
  }
  for (let level = depth - 1; level >= 0; level--) {
    if (found) {
      const parent = copyInner(pathNodes[level] as TreeNode<V>);
      (parent.children as TreeNode<V>[])[pathSlots[level] as number] = child;
      child = parent;
    }
    pathNodes[level] = undefined as never;
  }
  if (found) tree._root = child;
  return found;
}
