import type { Contender } from "./contender.js";

/**
 * The control run: the owner does its work (mutations) but nothing is saved. Its stalls are the
 * noise floor of the machine — timer jitter, garbage collection of the owner's own allocations,
 * and CPU taken by other processes — against which the savers' stalls should be read.
 */
export function createControlContender(): Contender {
  return {
    id: "control-no-save",
    savesEveryChange: false,
    stores: false,
    async open() {
      return {
        save() {},
        settle: async () => {},
        readBack: () => Promise.reject(new Error("the control run stores nothing")),
        close: async () => {},
      };
    },
  };
}
