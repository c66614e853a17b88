import { type KnownFileSpec, knownFileSpecAt, touchKnownFileSpec } from "./known-file-workload.js";
import { createPrng } from "./prng.js";

/** The owner's in-memory state for the mutating workload: immutable items, replaced on change. */
export interface StateModel<T> {
  /** The current state as an immutable value (a pointer copy of the item array). */
  current(): T;
  /** Touches one record chosen by the seeded generator, replacing its item; returns the new item. */
  mutate(): unknown;
  /** Mutations so far. */
  readonly mutations: number;
}

/** Options of {@link createStateModel}. */
export interface StateModelOptions<I, T> {
  /** Items of the starting state (copied, never modified). */
  readonly items: readonly I[];
  /** Seed the items were generated with: untouched specs are regenerated from it. */
  readonly specSeed: number;
  /** Seed choosing which records get touched. */
  readonly mutationSeed: number;
  /** Rebuilds one item from a touched spec. */
  readonly toItem: (spec: KnownFileSpec) => I;
  /** Wraps a fresh array of the items. */
  readonly toValue: (items: readonly I[]) => T;
}

/**
 * Creates a model over a copy of `items`. Touched specs are kept in a map; an untouched one is
 * regenerated from `specSeed` when first touched, so no full spec list stays alive.
 */
export function createStateModel<I, T>(options: StateModelOptions<I, T>): StateModel<T> {
  const items = options.items.slice();
  const touched = new Map<number, KnownFileSpec>();
  const prng = createPrng(options.mutationSeed);
  let mutations = 0;
  return {
    current: () => options.toValue(items.slice()),
    mutate() {
      const index = prng.nextInt(0, items.length - 1);
      const spec = touched.get(index) ?? knownFileSpecAt(index, options.specSeed);
      const next = touchKnownFileSpec(spec, 1_735_689_600 + mutations);
      touched.set(index, next);
      const item = options.toItem(next);
      items[index] = item;
      mutations++;
      return item;
    },
    get mutations() {
      return mutations;
    },
  };
}
