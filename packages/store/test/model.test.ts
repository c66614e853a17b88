import type { FsPort } from "@snapwrite/core";
import { type CrashableFs, createCrashableFs } from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DurableStore } from "../src/index.js";
import { type AddOp, add, applyAdds, type Counters, DIR, openCounters } from "./counters.js";

type Step =
  | { readonly kind: "commit"; readonly adds: readonly [string, number][] }
  | { readonly kind: "group"; readonly adds: readonly [string, number][] }
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

describe("durable store against a pure model", () => {
  it("random commits, groups, reads, compactions, crashes and reopens match the model exactly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        let crash = createCrashableFs({ files: { [DIR]: null } });
        const open = (fs: FsPort) =>
          openCounters(fs, { maxSegmentBytes: 256, compaction: false }).then((o) => o.store);
        let store: DurableStore<Counters, AddOp> = await open(crash);
        let model: Counters = Object.freeze({});
        let seq = 0;
        try {
          for (const s of steps) {
            switch (s.kind) {
              case "commit":
              case "group": {
                const list = s.kind === "commit" ? [s.adds] : s.adds.map((a) => [a]);
                const tickets = list.map((ops) =>
                  store.commit("c", () => ops.map(([k, n]) => add(k, n))),
                );
                const results = await Promise.all(tickets.map((t) => t.settled));
                for (const [i, ops] of list.entries()) {
                  let expected: Counters | undefined;
                  try {
                    expected = applyAdds(
                      model,
                      ops.map(([k, n]) => add(k, n)),
                    );
                  } catch {
                    expected = undefined;
                  }
                  const result = results[i];
                  if (expected === undefined) {
                    expect(result).toMatchObject({ ok: false, error: { code: "ERR_COMMAND" } });
                  } else {
                    seq++;
                    expect(result).toMatchObject({ ok: true, seq, durable: true });
                    model = expected;
                  }
                }
                expect(store.read()).toEqual({ value: model, seq });
                break;
              }
              case "read":
                expect(store.read()).toEqual({ value: model, seq });
                break;
              case "compact":
                expect((await store.compact("model")).seq).toBe(seq);
                break;
              case "crash":
                // Power loss with nothing in flight: every acknowledged commit must survive.
                crash = await afterPowerLoss(crash);
                store = await open(crash);
                expect(store.read()).toEqual({ value: model, seq });
                break;
              case "reopen":
                expect((await store.close()).ok).toBe(true);
                store = await open(crash);
                expect(store.read()).toEqual({ value: model, seq });
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
