import { MAX_TIMER_MS } from "@snapwrite/core/sink-kit";
import { lockFile } from "@snapwrite/sink-fs";
import { createFaultyFs, createManualClock, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import {
  createExclusiveFileLock,
  openAppendLog,
  openJournal,
  readAppendLog,
} from "../src/index.js";
import { enc } from "./helpers.js";

describe("locks", () => {
  it("a journal opened with a lock keeps a second writer out until it closes", async () => {
    const fs = createMemoryFs({ "/j": null });
    const lock = createExclusiveFileLock({ fs, waitMs: 50 });
    const first = await openJournal({ fs, dir: "/j", name: "db", lock });
    await expect(openJournal({ fs, dir: "/j", name: "db", lock })).rejects.toMatchObject({
      code: "ERR_LOCKED",
      stage: "lock",
    });
    await first.append(enc("a"));
    await first.close();
    const second = await openJournal({ fs, dir: "/j", name: "db", lock });
    expect((await second.append(enc("b"))).seq).toBe(2);
    await second.close();
  });

  it("an append log with a session lock holds it from open to close", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const locker = createExclusiveFileLock({ fs, waitMs: 50 });
    const path = "/logs/a.jsonl";
    const first = await openAppendLog({ fs, path, lock: "session", locker });
    await expect(openAppendLog({ fs, path, lock: "session", locker })).rejects.toMatchObject({
      code: "ERR_LOCKED",
    });
    await first.append(1);
    await first.close();
    const second = await openAppendLog({ fs, path, lock: "session", locker });
    expect((await second.append(2)).seq).toBe(2);
    await second.close();
  });

  it("holds sink-fs's lock file beside the guarded path, with an owner record, until released", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const locker = createExclusiveFileLock({ fs, waitMs: 50 });
    const held = await locker.acquire("/logs/a.jsonl");
    const record = JSON.parse(String(fs.vol.readFileSync("/logs/.a.jsonl.lock", "utf8")));
    expect(record).toMatchObject({ pid: process.pid });
    await expect(locker.acquire("/logs/a.jsonl")).rejects.toMatchObject({ code: "ERR_LOCKED" });
    await held.release();
    expect(fs.vol.existsSync("/logs/.a.jsonl.lock")).toBe(false);
  });
});

describe("createExclusiveFileLock options", () => {
  it("an unknown key is a TypeError naming it (a typo would keep the default wait)", () => {
    expect(() => createExclusiveFileLock({ waitMS: 5 } as never)).toThrow(
      new TypeError('createExclusiveFileLock: unknown option "waitMS"; known: fs, waitMs, staleMs'),
    );
    expect(() =>
      createExclusiveFileLock({ fs: createMemoryFs({}), waitMs: 5, staleMs: 10 }),
    ).not.toThrow();
  });

  it("options that are no object are a TypeError naming the factory and what it takes; none are the defaults", () => {
    for (const [options, got] of [
      [null, "null"],
      [5, "number"],
      ["x", "string"],
      [true, "boolean"],
    ] as const) {
      expect(() => createExclusiveFileLock(options as never)).toThrow(
        new TypeError(
          `createExclusiveFileLock: options must be an object { fs?, waitMs?, staleMs? }, got ${got}`,
        ),
      );
    }
    expect(typeof createExclusiveFileLock().acquire).toBe("function");
    expect(typeof createExclusiveFileLock(undefined).acquire).toBe("function");
  });

  it("a bad waitMs, staleMs or fs throws at creation with lockFile's TypeError/RangeError, not later as ERR_IO at open", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const bad: Record<string, unknown>[] = [
      { staleMs: 0 },
      { staleMs: -5 },
      { staleMs: Number.NaN },
      { staleMs: "x" },
      { staleMs: 2 ** 40 },
      { staleMs: MAX_TIMER_MS + 1 },
      { waitMs: -1 },
      { waitMs: Number.POSITIVE_INFINITY },
      { waitMs: 1e12 },
      { fs: 5 },
    ];
    for (const options of bad) {
      // What lockFile itself says of these options (it rejects before any I/O).
      const expected: Error = await lockFile("/logs/a.jsonl", { fs, ...options }).then(
        () => expect.fail(`lockFile accepted ${JSON.stringify(options)}`),
        (error: Error) => error,
      );
      expect([TypeError, RangeError]).toContain(expected.constructor);
      const message = expected.message.replace(/^lockFile:/, "createExclusiveFileLock:");
      expect(() => createExclusiveFileLock({ fs, ...options }), message).toThrow(
        new (expected.constructor as ErrorConstructor)(message),
      );
    }
    expect(await fs.readdir("/logs")).toEqual([]);
    // The bounds themselves are accepted, and the lock works with them.
    const locker = createExclusiveFileLock({ fs, waitMs: 0, staleMs: MAX_TIMER_MS });
    const log = await openAppendLog({ fs, path: "/logs/a.jsonl", locker });
    await log.append("x");
    expect((await log.close()).ok).toBe(true);
  });
});

describe("interval durability", () => {
  it("append log: acknowledged before the sync, synced by the timer", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/logs": null }));
    const clock = createManualClock(1_000);
    const log = await openAppendLog({
      fs: faulty,
      path: "/logs/a.jsonl",
      clock,
      durability: { intervalMs: 100 },
    });
    const syncs = () => faulty.calls.filter((c) => c.op === "datasync").length;
    const before = syncs();
    const result = await log.append("x");
    expect(result.durable).toBe(false);
    expect(syncs()).toBe(before);
    clock.advance(100);
    await log.sync();
    expect(syncs()).toBe(before + 1);
    await log.close();
    const values: unknown[] = [];
    for await (const e of readAppendLog({ fs: faulty, path: "/logs/a.jsonl" }))
      if (!("problem" in e)) values.push(e.value);
    expect(values).toEqual(["x"]);
  });

  it("journal: a sync slower than twice the interval is reported as degraded, not hidden", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/j": null }));
    const clock = createManualClock(1_000);
    const events: string[] = [];
    const journal = await openJournal({
      fs: faulty,
      dir: "/j",
      name: "db",
      clock,
      durability: { intervalMs: 100 },
      onEvent: (e) => events.push(e.type),
    });
    await journal.append(enc("a"));
    faulty.addFaults([{ op: "datasync", fault: { hang: true } }]);
    const synced = journal.sync();
    await faulty.waitForHang();
    clock.advance(250);
    faulty.release();
    expect(await synced).toBe(1);
    expect(events).toContain("degraded");
    expect(journal.state.mode).toBe("degraded");
    await journal.close();
  });
});
