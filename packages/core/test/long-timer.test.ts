import { describe, expect, it } from "vitest";
import type { Clock } from "../src/index.js";
import { LongTimer, MAX_TIMER_MS } from "../src/sink-kit/long-timer.js";
import { FakeClock } from "./support/fakes.js";

describe("LongTimer", () => {
  it("fires once, exactly when a delay above 2^31 - 1 ms elapsed, in steps Node accepts", async () => {
    const clock = new FakeClock();
    let fired = 0;
    const timer = new LongTimer(clock, () => fired++);
    timer.arm(2 * MAX_TIMER_MS + 5);
    expect(timer.armed).toBe(true);
    await clock.advance(2 * MAX_TIMER_MS + 4);
    expect(fired).toBe(0);
    await clock.advance(1);
    expect(fired).toBe(1);
    expect(timer.armed).toBe(false);
    expect(clock.delays).toEqual([MAX_TIMER_MS, MAX_TIMER_MS, 5]);
    expect(clock.overflows).toBe(0);
    await clock.advance(10 * MAX_TIMER_MS);
    expect(fired).toBe(1);
  });

  it("arms short delays with one timer; 0, negative and NaN fire at the next turn", async () => {
    const clock = new FakeClock();
    let fired = 0;
    const timer = new LongTimer(clock, () => fired++);
    for (const delay of [0, -5, Number.NaN]) {
      timer.arm(delay);
      await clock.advance(0);
    }
    timer.arm(250);
    await clock.advance(250);
    expect(fired).toBe(4);
    expect(clock.delays).toEqual([0, 0, 0, 250]);
  });

  it("cancels between steps, and never arms for Infinity", async () => {
    const clock = new FakeClock();
    let fired = 0;
    const timer = new LongTimer(clock, () => fired++);
    timer.arm(3e9);
    await clock.advance(MAX_TIMER_MS + 10);
    expect(clock.pendingTimers).toBe(1);
    timer.cancel();
    timer.cancel();
    expect(timer.armed).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    timer.arm(Number.POSITIVE_INFINITY);
    expect(timer.armed).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(10 * MAX_TIMER_MS);
    expect(fired).toBe(0);
  });

  it("re-arming replaces the pending delay", async () => {
    const clock = new FakeClock();
    const firedAt: number[] = [];
    const timer = new LongTimer(clock, () => firedAt.push(clock.now()));
    timer.arm(3e9);
    await clock.advance(100);
    timer.arm(50);
    await clock.advance(3e9);
    expect(firedAt).toEqual([150]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("unrefs every step's handle when asked, and only then", async () => {
    const unrefs: number[] = [];
    const inner = new FakeClock();
    const clock: Clock = {
      now: () => inner.now(),
      setTimeout(fn, ms) {
        const id = inner.setTimeout(fn, ms) as number;
        return { id, unref: () => unrefs.push(id) };
      },
      clearTimeout: (handle) => inner.clearTimeout((handle as { id: number }).id),
    };
    const quiet = new LongTimer(clock, () => {}, { unref: true });
    quiet.arm(MAX_TIMER_MS + 1);
    await inner.advance(MAX_TIMER_MS + 1);
    expect(unrefs).toEqual([1, 2]);
    const loud = new LongTimer(clock, () => {});
    loud.arm(10);
    await inner.advance(10);
    expect(unrefs).toEqual([1, 2]);
  });
});
