import { constants } from "node:fs";
import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { type SyncMeter, timedFs } from "../src/timed-fs.js";

/** A memory fs whose handles' writes and syncs each take `stepMs` on the fake clock. */
function slowFs(clock: { t: number }, stepMs: number): FsPort {
  const memory = createMemoryFs({ "/d": null });
  const slow =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await fn(...args);
      clock.t += stepMs;
      return result;
    };
  return {
    ...memory,
    async open(path, flags, mode) {
      const h = await memory.open(path, typeof flags === "number" ? "w" : flags, mode);
      return {
        ...h,
        fd: h.fd,
        writev: slow((b: Uint8Array[], p?: number | null) => h.writev(b, p)),
        datasync: slow(() => h.datasync()),
        sync: slow(() => h.sync()),
        close: () => h.close(),
      } as FsFileHandle;
    },
  };
}

describe("timedFs", () => {
  it("meters datasync and sync; writes count only on a handle opened with O_DSYNC", async () => {
    const clock = { t: 0 };
    const meter: SyncMeter = { total: 0 };
    const fs = timedFs(slowFs(clock, 3), meter, () => clock.t);
    const plain = await fs.open("/d/a", "w");
    await plain.writev([new Uint8Array(4)], 0);
    expect(meter.total).toBe(0);
    await plain.datasync();
    await plain.sync();
    expect(meter.total).toBe(6);
    await plain.close();
    const dsync = constants.O_DSYNC ?? 0;
    if (dsync === 0) return;
    const synced = await fs.open("/d/b", constants.O_WRONLY | constants.O_CREAT | dsync);
    await synced.writev([new Uint8Array(4)], 0);
    expect(meter.total).toBe(9);
    await synced.close();
  });
});
