import type { Sink } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { DeadThreads, MAX_DEAD_THREADS } from "../src/dead-threads.js";
import { deadThreadsOf, sweepDeadThreads } from "../src/sweep-dead-threads.js";
import { RecordingSink } from "./support/recording-sink.js";

/** A sink whose `sweep` records its options and then does what `behave` does. */
function sweepingSink(behave: () => unknown = () => undefined): {
  sink: Sink;
  calls: unknown[];
} {
  const calls: unknown[] = [];
  const sink = Object.assign(new RecordingSink(), {
    sweep(options: unknown) {
      calls.push(options);
      return behave();
    },
  });
  return { sink, calls };
}

describe("the dead threads of a replica", () => {
  it("keeps each exited thread's id once, the newest MAX_DEAD_THREADS of them", () => {
    const dead = new DeadThreads();
    expect(dead.list()).toEqual([]);
    dead.add(3);
    dead.add(3);
    dead.add(-1);
    dead.add(1.5);
    expect(dead.list()).toEqual([3]);
    for (let id = 4; id < 4 + MAX_DEAD_THREADS; id++) dead.add(id);
    const list = dead.list();
    expect(list).toHaveLength(MAX_DEAD_THREADS);
    expect(list[0]).toBe(4);
    expect(list.at(-1)).toBe(3 + MAX_DEAD_THREADS);
    list.push(99);
    expect(dead.list()).toHaveLength(MAX_DEAD_THREADS);
  });

  it("reads only thread ids from the worker's data, at most MAX_DEAD_THREADS", () => {
    expect(deadThreadsOf(undefined)).toEqual([]);
    expect(deadThreadsOf("1,2")).toEqual([]);
    expect(deadThreadsOf([1, -2, 2.5, "3", 4, Number.NaN])).toEqual([1, 4]);
    const many = Array.from({ length: MAX_DEAD_THREADS + 5 }, (_, i) => i + 1);
    expect(deadThreadsOf(many)).toEqual(many.slice(5));
  });

  it("asks a sink with a sweep to remove their temp files, and swallows what it throws", async () => {
    const { sink, calls } = sweepingSink();
    await sweepDeadThreads(sink, [5, 9]);
    expect(calls).toEqual([{ deadThreads: [5, 9] }]);
    await sweepDeadThreads(sink, []);
    expect(calls).toHaveLength(1);

    const throwing = sweepingSink(() => {
      throw new TypeError("a sweep of another kind");
    });
    await expect(sweepDeadThreads(throwing.sink, [5])).resolves.toBeUndefined();
    const rejecting = sweepingSink(() => Promise.reject(new Error("EACCES")));
    await expect(sweepDeadThreads(rejecting.sink, [5])).resolves.toBeUndefined();
    expect([throwing.calls, rejecting.calls]).toEqual([
      [{ deadThreads: [5] }],
      [{ deadThreads: [5] }],
    ]);

    // A sink without sweep, or whose sweep is no function, is left alone.
    await expect(sweepDeadThreads(new RecordingSink(), [5])).resolves.toBeUndefined();
    const odd = Object.assign(new RecordingSink(), { sweep: true });
    await expect(sweepDeadThreads(odd, [5])).resolves.toBeUndefined();
  });
});
