import type { FsPort } from "@snapwrite/core";
import {
  type CrashableFs,
  createCrashableFs,
  createFaultyFs,
  type FaultyFs,
} from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DurableStore } from "../src/index.js";
import { type AddOp, add, applyAdds, type Counters, DIR, openCounters } from "./counters.js";

type Step =
  | { readonly kind: "commit"; readonly adds: readonly [string, number][] }
  | { readonly kind: "group"; readonly adds: readonly [string, number][] }
  | { readonly kind: "mutate"; readonly adds: readonly [string, number][] }
  | { readonly kind: "compact-during-commit"; readonly adds: readonly [string, number][] }
  | {
      readonly kind: "mutate-during-commit";
      readonly adds: readonly [string, number][];
      readonly key: string;
    }
  | { readonly kind: "read" }
  | { readonly kind: "compact" }
  | { readonly kind: "crash" }
  | { readonly kind: "reopen" };

const key = fc.constantFrom("a", "b", "c");
// Negative amounts can fail the precondition (below zero): such commands must fail alone.
const amount = fc.integer({ min: -3, max: 5 });
const adds = fc.array(fc.tuple(key, amount), { minLength: 1, maxLength: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: adds.map((a) => ({ kind: "commit" as const, adds: a })) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.tuple(key, amount), { minLength: 2, maxLength: 6 })
      .map((a) => ({ kind: "group" as const, adds: a })),
  },
  { weight: 3, arbitrary: adds.map((a) => ({ kind: "mutate" as const, adds: a })) },
  { weight: 1, arbitrary: adds.map((a) => ({ kind: "compact-during-commit" as const, adds: a })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(adds, key)
      .map(([a, k]) => ({ kind: "mutate-during-commit" as const, adds: a, key: k })),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "read" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "compact" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "crash" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "reopen" as const }) },
);

/** The files a power loss leaves now, as a fresh crashable file system. */
async function afterPowerLoss(crash: CrashableFs): Promise<CrashableFs> {
  const survivor = crash.crash();
  const files: Record<string, Uint8Array | null> = { [DIR]: null };
  for (const name of await survivor.readdir(DIR)) {
    const path = `${DIR}/${name}`;
    if ((await survivor.stat(path)).isFile()) files[path] = await survivor.readFile(path);
  }
  return createCrashableFs({ files });
}

/**
 * Resolves once `ran()` and the journal's `writev` is held by a hang fault: the group holding the
 * command that set `ran` is being written.
 */
async function groupInFlight(faulty: FaultyFs, ran: () => boolean): Promise<void> {
  const until = Date.now() + 5_000;
  while (!ran() || faulty.hanging.length === 0) {
    if (Date.now() > until) throw new Error("no group was written within 5 s");
    await new Promise((r) => setTimeout(r, 1));
  }
}

describe("durable store against a pure model", () => {
  it("random commits, groups, reads, compactions, crashes and reopens match the model exactly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        let crash = createCrashableFs({ files: { [DIR]: null } });
        let faulty = createFaultyFs(crash);
        const open = (fs: FsPort) => {
          faulty = createFaultyFs(fs);
          return openCounters(faulty, {
            maxSegmentBytes: 256,
            compaction: false,
            writeBehind: { debounceMs: 3_600_000, maxDelayMs: 3_600_000 },
          }).then((o) => o.store);
        };
        let store: DurableStore<Counters, AddOp> = await open(crash);
        // `durable`: what the journal holds (seq `seq`); `visible`: plus the unsaved mutations.
        let durable: Counters = Object.freeze({});
        let visible: Counters = durable;
        let seq = 0;
        let unsaved = 0;
        const tryApply = (state: Counters, ops: readonly [string, number][]) => {
          try {
            return applyAdds(
              state,
              ops.map(([k, n]) => add(k, n)),
            );
          } catch {
            return undefined;
          }
        };
        const commitStep = async (list: (readonly [string, number][])[]) => {
          const tickets = list.map((ops) =>
            store.commit("c", () => ops.map(([k, n]) => add(k, n))),
          );
          const results = await Promise.all(tickets.map((t) => t.settled));
          // A commit's group journals the unsaved mutations first.
          seq += unsaved;
          unsaved = 0;
          durable = visible;
          for (const [i, ops] of list.entries()) {
            const expected = tryApply(durable, ops);
            const result = results[i];
            if (expected === undefined) {
              expect(result).toMatchObject({ ok: false, error: { code: "ERR_COMMAND" } });
            } else {
              seq++;
              expect(result).toMatchObject({ ok: true, seq, durable: true });
              durable = expected;
            }
          }
          visible = durable;
          expect(store.read()).toEqual({ value: visible, seq });
        };
        try {
          for (const s of steps) {
            switch (s.kind) {
              case "commit":
                await commitStep([s.adds]);
                break;
              case "group":
                await commitStep(s.adds.map((a) => [a]));
                break;
              case "mutate": {
                const expected = tryApply(visible, s.adds);
                const ticket = store.mutate("m", () => s.adds.map(([k, n]) => add(k, n)));
                if (expected === undefined) {
                  expect(await ticket.settled).toMatchObject({
                    ok: false,
                    error: { code: "ERR_COMMAND" },
                  });
                } else {
                  visible = expected;
                  unsaved++;
                }
                expect(store.read()).toEqual({ value: visible, seq: seq + unsaved });
                break;
              }
              case "mutate-during-commit": {
                // A mutation made while a commit is written follows it, and its command (a
                // read-modify-write) sees the commit.
                const ops = s.adds.map(([k, n]) => add(k, Math.abs(n)));
                faulty.addFaults([{ op: "writev", path: /\.wal\./, fault: { hang: true } }]);
                let ran = false;
                const commit = store.commit("c", () => {
                  ran = true;
                  return ops;
                });
                await groupInFlight(faulty, () => ran);
                const ticket = store.mutate("double", (st) => [add(s.key, st[s.key] ?? 0)]);
                faulty.release();
                expect(ticket.seq).toBe(seq + unsaved + 2);
                expect(await commit.settled).toMatchObject({ ok: true, seq: seq + unsaved + 1 });
                seq += unsaved + 1;
                durable = applyAdds(visible, ops);
                visible = applyAdds(durable, [add(s.key, durable[s.key] ?? 0)]);
                unsaved = 1;
                expect(store.read()).toEqual({ value: visible, seq: seq + unsaved });
                break;
              }
              case "read":
                expect(store.read()).toEqual({ value: visible, seq: seq + unsaved });
                break;
              case "compact":
                // Compaction snapshots the journaled state, never the unsaved mutations.
                expect((await store.compact("model")).seq).toBe(seq);
                break;
              case "compact-during-commit": {
                const compacting = store.compact("concurrent");
                const at = seq;
                await commitStep([s.adds]);
                expect((await compacting).seq).toBeLessThanOrEqual(seq);
                expect((await compacting).seq).toBeGreaterThanOrEqual(at);
                break;
              }
              case "crash":
                // Power loss with nothing in flight: every acknowledged commit survives, the
                // unsaved mutations do not.
                crash = await afterPowerLoss(crash);
                store = await open(crash);
                visible = durable;
                unsaved = 0;
                expect(store.read()).toEqual({ value: durable, seq });
                break;
              case "reopen":
                // Close flushes the unsaved mutations.
                expect((await store.close()).ok).toBe(true);
                seq += unsaved;
                unsaved = 0;
                durable = visible;
                store = await open(crash);
                expect(store.read()).toEqual({ value: durable, seq });
                break;
            }
          }
        } finally {
          await store.close();
        }
      }),
      { numRuns: 150 },
    );
  }, 30_000);
});
