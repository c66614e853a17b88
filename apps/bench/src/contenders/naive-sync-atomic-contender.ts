import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Contender } from "./contender.js";
import { readTargetFile } from "./read-target-file.js";

/** The careful synchronous save: temp file, write all, fsync, close, rename — all on the owner thread. */
export function createNaiveSyncAtomicContender(): Contender {
  return {
    id: "naive-sync-atomic",
    savesEveryChange: false,
    async open({ dir, target, format }) {
      const path = join(dir, target);
      const temp = join(dir, `.${target}.tmp`);
      return {
        save(current) {
          const payload = format.encodePayload(current());
          const bytes = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload;
          const fd = openSync(temp, "w", 0o600);
          try {
            let offset = 0;
            while (offset < bytes.byteLength) {
              offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
            }
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          renameSync(temp, path);
        },
        settle: async () => {},
        readBack: () => readTargetFile(dir, target),
        close: async () => {},
      };
    },
  };
}
