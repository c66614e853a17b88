import type { Contender } from "./contender.js";

/**
 * The control run: the owner does its work (mutations) but nothing is saved. Its stalls are the
 * noise floor of the machine — timer jitter, garbage collection of the owner's own allocations,
 * and CPU taken by other processes — against which the savers' stalls should be read. With
 * `idleMs` (single saves), its window is `idleMs` of an idle owner.
 */
export function createControlContender(options: { idleMs?: number } = {}): Contender {
  const idleMs = options.idleMs ?? 0;
  return {
    id: "control-no-save",
    savesEveryChange: false,
    stores: false,
    async open() {
      return {
        save() {},
        // For a single save the control keeps the loop idle this long: the machine's noise floor
        // over a window about as long as a save.
        settle: () =>
          idleMs > 0
            ? new Promise<void>((resolve) => setTimeout(resolve, idleMs))
            : Promise.resolve(),
        readBack: () => Promise.reject(new Error("the control run stores nothing")),
        close: async () => {},
      };
    },
  };
}
