import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Contender } from "./contender.js";
import { readTargetFile } from "./read-target-file.js";

/** What most apps do: serialize on the owner thread and `writeFileSync` over the file. Not atomic, not durable. */
export function createNaiveSyncContender(): Contender {
  return {
    id: "naive-sync",
    savesEveryChange: false,
    async open({ dir, target, format }) {
      const path = join(dir, target);
      return {
        save(current) {
          writeFileSync(path, format.encodePayload(current()));
        },
        settle: async () => {},
        readBack: () => readTargetFile(dir, target),
        close: async () => {},
      };
    },
  };
}
