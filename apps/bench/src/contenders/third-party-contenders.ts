import { join } from "node:path";
import { importLoose } from "../import-loose.js";
import type { Contender } from "./contender.js";
import { createPendingSaves } from "./pending-saves.js";
import { readTargetFile } from "./read-target-file.js";

type WriteFn = (path: string, data: string | Uint8Array) => Promise<unknown>;

interface StenoWriter {
  write(data: string | Uint8Array): Promise<void>;
}

function unavailable(id: string, reason: string): Contender {
  return {
    id,
    savesEveryChange: false,
    unavailable: reason,
    open: () => Promise.reject(new Error(reason)),
  };
}

/**
 * A contender for a promise-returning `writeFile(path, data)`: every save serializes on the owner
 * thread (these libraries take the whole payload) and starts a write; the run waits for all.
 */
function writeFileContender(id: string, write: WriteFn): Contender {
  return {
    id,
    savesEveryChange: false,
    async open({ dir, target, format }) {
      const path = join(dir, target);
      const pending = createPendingSaves();
      return {
        save(current) {
          pending.add(write(path, format.encodePayload(current())));
        },
        settle: () => pending.settle(),
        readBack: () => readTargetFile(dir, target),
        close: async () => {},
      };
    },
  };
}

/**
 * Loads write-file-atomic, atomically and steno (dynamically, after the fs counters are installed:
 * atomically's stubborn-fs captures fs functions when it loads) and wraps each as a contender.
 */
export async function loadThirdPartyContenders(): Promise<Contender[]> {
  const contenders: Contender[] = [];

  const wfa = await importLoose("write-file-atomic");
  const wfaWrite = typeof wfa === "string" ? undefined : wfa.default;
  contenders.push(
    typeof wfaWrite === "function"
      ? writeFileContender("write-file-atomic", (path, data) => (wfaWrite as WriteFn)(path, data))
      : unavailable("write-file-atomic", typeof wfa === "string" ? wfa : "no default export"),
  );

  const atomically = await importLoose("atomically");
  const atomicWrite = typeof atomically === "string" ? undefined : atomically.writeFile;
  contenders.push(
    typeof atomicWrite === "function"
      ? writeFileContender("atomically", (path, data) => (atomicWrite as WriteFn)(path, data))
      : unavailable(
          "atomically",
          typeof atomically === "string" ? atomically : "no writeFile export",
        ),
  );

  const steno = await importLoose("steno");
  const StenoWriterClass = typeof steno === "string" ? undefined : steno.Writer;
  if (typeof StenoWriterClass === "function") {
    const Ctor = StenoWriterClass as new (path: string) => StenoWriter;
    contenders.push({
      id: "steno",
      savesEveryChange: false,
      async open({ dir, target, format }) {
        const writer = new Ctor(join(dir, target));
        const pending = createPendingSaves();
        return {
          save(current) {
            pending.add(writer.write(format.encodePayload(current())));
          },
          settle: () => pending.settle(),
          readBack: () => readTargetFile(dir, target),
          close: async () => {},
        };
      },
    });
  } else {
    contenders.push(unavailable("steno", typeof steno === "string" ? steno : "no Writer export"));
  }
  return contenders;
}
