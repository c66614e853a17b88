import { isPersistenceError } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { createControlledLock } from "../src/index.js";

const LOST = { code: "ERR_LOCKED", stage: "lock", details: { reason: "lost" } };

describe("createControlledLock", () => {
  it("is held until lost now: then its signal aborts with ERR_LOCKED and every check rejects", async () => {
    const control = createControlledLock();
    const held = await control.lock.acquire("/j/db");
    await held.assertHeld();
    expect(held.lost.aborted).toBe(false);
    control.loseNow();
    expect(held.lost.aborted).toBe(true);
    expect(isPersistenceError(held.lost.reason, "ERR_LOCKED")).toBe(true);
    expect(held.lost.reason).toMatchObject(LOST);
    await expect(held.assertHeld()).rejects.toBe(held.lost.reason);
    await expect(held.assertHeld()).rejects.toMatchObject(LOST);
  });

  it("loses the lock at the next check", async () => {
    const control = createControlledLock();
    const held = await control.lock.acquire("/j/db");
    await held.assertHeld();
    control.loseAtNextCheck();
    expect(held.lost.aborted).toBe(false);
    await expect(held.assertHeld()).rejects.toMatchObject(LOST);
    expect(held.lost.aborted).toBe(true);
  });

  it("during the next write: the check before it passes, the one after it fails", async () => {
    const control = createControlledLock();
    const held = await control.lock.acquire("/j/db");
    control.loseDuringNextWrite();
    await held.assertHeld();
    expect(held.lost.aborted).toBe(false);
    await expect(held.assertHeld()).rejects.toMatchObject(LOST);
    expect(held.lost.aborted).toBe(true);
  });

  it("hands every acquirer the same holder, whose release does nothing", async () => {
    const control = createControlledLock();
    const held = await control.lock.acquire("/a");
    expect(await control.lock.acquire("/b")).toBe(held);
    await held.release();
    await held.assertHeld();
  });
});
