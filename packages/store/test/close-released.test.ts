import { createExclusiveFileLock } from "@snapwrite/journal";
import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openDurableStore } from "../src/index.js";
import { add, counterFiles, DIR, openCounters } from "./counters.js";
import { deadline, tempDirs } from "./wait-and-dirs.js";

describe("close report: released", () => {
  const tmp = tempDirs("snapwrite-close-released-");

  it("is true when the journal, the replica and the lock were released before close returned", async () => {
    const { store } = await openCounters(createMemoryFs({ [DIR]: null }));
    await store.commit("a", () => [add("a")]).settled;
    expect(await deadline(store.close())).toMatchObject({ outcome: "clean", released: true });
  });

  it("is false on a clean close whose release outlasts a zero deadline", async () => {
    const faulty = createFaultyFs(createMemoryFs({ [DIR]: null }));
    const { store } = await openCounters(faulty);
    await store.commit("a", () => [add("a")]).settled;
    faulty.addFaults([{ op: "close", path: /\.wal\./, fault: { hang: true } }]);
    const report = await deadline(store.close({ timeoutMs: 0 }));
    expect(report).toMatchObject({ ok: true, outcome: "clean", released: false });
    faulty.release();
  });

  it("a reopen with a lock that waits succeeds right after a zero-deadline close", async () => {
    const dir = await tmp();
    for (let round = 0; round < 20; round++) {
      const { store } = await deadline(
        openDurableStore({ ...counterFiles(undefined, dir), lock: createExclusiveFileLock() }),
      );
      await store.commit("a", () => [add("a")]).settled;
      const report = await deadline(store.close({ timeoutMs: 0 }));
      expect(report.outcome).toBe("clean");
      // Whether or not `released` says the lock went already, a waiting lock gets it.
      const reopened = await deadline(
        openDurableStore({
          ...counterFiles(undefined, dir),
          lock: createExclusiveFileLock({ waitMs: 2_000 }),
        }),
      );
      expect(reopened.store.read().seq).toBe(round + 1);
      expect(await deadline(reopened.store.close())).toMatchObject({ released: true });
    }
  });
});
