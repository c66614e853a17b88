import { type KnownFileSpec, touchKnownFileSpec } from "./known-file-workload.js";
import { createPrng } from "./prng.js";

/** The owner's in-memory state for the mutating workload: immutable items, replaced on change. */
export interface StateModel<T> {
  /** The current state as an immutable value (a pointer copy of the item array). */
  current(): T;
  /** Touches one record chosen by the seeded generator, replacing its item. */
  mutate(): void;
  /** Mutations so far. */
  readonly mutations: number;
}

/**
 * Creates a model over copies of `specs` and `items` (the inputs are never modified). `toItem`
 * rebuilds one item from a touched spec; `toValue` wraps a fresh array of the items.
 */
export function createStateModel<I, T>(
  specs: readonly KnownFileSpec[],
  items: readonly I[],
  toItem: (spec: KnownFileSpec) => I,
  toValue: (items: readonly I[]) => T,
  seed: number,
): StateModel<T> {
  const ownSpecs = specs.slice();
  const ownItems = items.slice();
  const prng = createPrng(seed);
  let mutations = 0;
  return {
    current: () => toValue(ownItems.slice()),
    mutate() {
      const index = prng.nextInt(0, ownSpecs.length - 1);
      const spec = ownSpecs[index];
      if (!spec) return;
      const touched = touchKnownFileSpec(spec, 1_735_689_600 + mutations);
      ownSpecs[index] = touched;
      ownItems[index] = toItem(touched);
      mutations++;
    },
    get mutations() {
      return mutations;
    },
  };
}
