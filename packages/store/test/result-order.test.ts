import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import type { CommitResult } from "../src/index.js";
import { add, DIR, openCounters } from "./counters.js";

const memFs = () => createMemoryFs({ [DIR]: null });

/** Records the order in which the tickets' results arrive. */
function arrivalOrder(tickets: Record<string, Promise<CommitResult>>): Promise<string[]> {
  const order: string[] = [];
  return Promise.all(
    Object.entries(tickets).map(([name, settled]) =>
      settled.then((r) => order.push(`${name}:${r.ok ? `ok@${r.seq}` : r.error.code}`)),
    ),
  ).then(() => order);
}

describe("results arrive in queue order", () => {
  it("a command that throws does not overtake the commands queued before it", async () => {
    const { store } = await openCounters(memFs());
    await store.commit("seed", () => [add("seed")]).settled;
    const boom = () => {
      throw new Error("boom");
    };
    const order = await arrivalOrder({
      A: store.commit("a", () => [add("a")]).settled,
      B: store.commit("b", () => [add("b")]).settled,
      C: store.commit("c", boom).settled,
      D: store.commit("d", () => [add("d")]).settled,
      E: store.commit("e", boom).settled,
      F: store.commit("f", () => []).settled,
    });
    expect(order).toEqual([
      "A:ok@2",
      "B:ok@3",
      "C:ERR_COMMAND",
      "D:ok@4",
      "E:ERR_COMMAND",
      "F:ok@4",
    ]);
    await store.close();
  });

  it("in a group with no records too", async () => {
    const { store } = await openCounters(memFs());
    const order = await arrivalOrder({
      A: store.commit("a", () => []).settled,
      B: store.commit("b", () => {
        throw new Error("boom");
      }).settled,
      C: store.commit("c", () => []).settled,
    });
    expect(order).toEqual(["A:ok@0", "B:ERR_COMMAND", "C:ok@0"]);
    await store.close();
  });
});

describe("mutate's seq", () => {
  it("is null when nothing was applied: the command threw, or the store refused", async () => {
    const { store } = await openCounters(memFs());
    const thrown = store.mutate("boom", () => {
      throw new Error("boom");
    });
    expect(thrown.seq).toBeNull();
    expect(await thrown.settled).toMatchObject({ ok: false, error: { code: "ERR_COMMAND" } });
    const none = store.mutate("none", () => []);
    expect(none.seq).toBe(0);
    const one = store.mutate("one", () => [add("a")]);
    expect(one.seq).toBe(1);
    await store.close();
    const refused = store.mutate("late", () => [add("a")]);
    expect(refused.seq).toBeNull();
    expect(await refused.settled).toMatchObject({ ok: false, error: { code: "ERR_CLOSED" } });
    expect(await one.settled).toMatchObject({ ok: true, seq: 1 });
  });
});
