import { createControlledLock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { isLockLost, openJournal, replayJournal } from "../src/index.js";
import { enc } from "./helpers.js";

async function records(fs: ReturnType<typeof createMemoryFs>): Promise<string[]> {
  const out: string[] = [];
  await replayJournal({
    fs,
    dir: "/j",
    name: "db",
    onRecord: (r) => void out.push(new TextDecoder().decode(r.payload)),
  });
  return out;
}

describe("a journal whose lock was lost", () => {
  it("writes nothing more: appends fail with ERR_LOCKED lost, committed false; the journal is read-only", async () => {
    const fs = createMemoryFs({ "/j": null });
    const control = createControlledLock();
    const journal = await openJournal({ fs, dir: "/j", name: "db", lock: control.lock });
    await journal.append(enc("a"));
    control.loseNow();
    expect(journal.state.mode).toBe("read-only");
    const refused = await journal.append(enc("b")).catch((e: unknown) => e);
    expect(isLockLost(refused)).toBe(true);
    expect(refused).toMatchObject({ details: { reason: "lost", committed: false } });
    await journal.close();
    expect(await records(fs)).toEqual(["a"]);
  });

  it("a loss found before a roll or a segment removal stops it: no new segment, nothing removed", async () => {
    const fs = createMemoryFs({ "/j": null });
    const control = createControlledLock();
    const journal = await openJournal({ fs, dir: "/j", name: "db", lock: control.lock });
    await journal.append(enc("a"));
    await journal.roll();
    await journal.append(enc("b"));
    const before = (await fs.readdir("/j")).sort();
    control.loseAtNextCheck();
    const refused = await journal.roll().catch((e: unknown) => e);
    expect(isLockLost(refused)).toBe(true);
    expect(journal.state.mode).toBe("read-only");
    await expect(journal.removeSegmentsThrough(1)).rejects.toMatchObject({ code: "ERR_LOCKED" });
    expect((await fs.readdir("/j")).sort()).toEqual(before);
    await journal.close();
    expect(await records(fs)).toEqual(["a", "b"]);
  });

  it("a loss found by the check before the write fails that group unwritten", async () => {
    const fs = createMemoryFs({ "/j": null });
    const control = createControlledLock();
    const journal = await openJournal({ fs, dir: "/j", name: "db", lock: control.lock });
    await journal.append(enc("a"));
    // Not noticed by a heartbeat: the check right before the next write finds it.
    control.loseAtNextCheck();
    expect(journal.state.mode).toBe("ok");
    await expect(journal.append(enc("b"))).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost", committed: false },
    });
    expect(journal.state.mode).toBe("read-only");
    await journal.close();
    expect(await records(fs)).toEqual(["a"]);
  });

  it("a loss found right after a write fails that group as committed unknown, and nothing more is written", async () => {
    const fs = createMemoryFs({ "/j": null });
    const control = createControlledLock();
    const journal = await openJournal({ fs, dir: "/j", name: "db", lock: control.lock });
    await journal.append(enc("a"));
    control.loseDuringNextWrite();
    await expect(journal.append(enc("b"))).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost", committed: "unknown" },
    });
    expect(journal.state.mode).toBe("read-only");
    await expect(journal.append(enc("c"))).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost", committed: false },
    });
    await journal.close();
    // "b" reached the file before the loss was known; "c" never did.
    expect(await records(fs)).toEqual(["a", "b"]);
  });

  it("a roll during which the lock is lost fails with ERR_LOCKED lost instead of reporting success", async () => {
    const base = createMemoryFs({ "/j": null });
    const control = createControlledLock();
    let armed = false;
    // The heartbeat finds the lock lost while the roll creates its segment.
    const fs = new Proxy(base, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (typeof value !== "function") return value;
        if (prop !== "open") return value.bind(target);
        return async (...args: unknown[]) => {
          const handle = await value.apply(target, args);
          if (armed && String(args[0]).includes(".wal.")) {
            armed = false;
            control.loseNow();
          }
          return handle;
        };
      },
    });
    const journal = await openJournal({
      fs,
      dir: "/j",
      name: "db",
      lock: control.lock,
      preallocateBytes: 0,
    });
    await journal.append(enc("a"));
    armed = true;
    await expect(journal.roll()).rejects.toMatchObject({
      code: "ERR_LOCKED",
      details: { reason: "lost" },
    });
    expect(journal.state.mode).toBe("read-only");
    await journal.close();
    expect(await records(fs)).toEqual(["a"]);
  });
});
