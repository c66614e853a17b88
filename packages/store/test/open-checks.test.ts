import type { FsPort } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openDurableStore, openFollowerStore } from "../src/index.js";
import {
  add,
  addOpsCodec,
  applyAdds,
  counterFiles,
  countersCodec,
  DIR,
  openCounters,
} from "./counters.js";

const memFs = () => createMemoryFs({ [DIR]: null });

/** Overwrites `name` in DIR with bytes that do not decode. */
async function spoil(fs: FsPort, name: string): Promise<void> {
  const handle = await fs.open(`${DIR}/${name}`, "w");
  await handle.write(new TextEncoder().encode("{not json"), 0, 9, 0);
  await handle.close();
}

async function snapshotsIn(fs: FsPort): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((f) => f.includes(".snap."));
}

describe("open: codec and ops", () => {
  it("are checked for encode and decode, naming the option", async () => {
    const cases = [
      { codec: {} as never },
      { codec: { encode: () => [] } as never },
      { ops: {} as never },
      { ops: { ...addOpsCodec, decode: 1 } as never },
    ];
    for (const extra of cases) {
      const key = Object.keys(extra)[0] as string;
      const opening = openCounters(memFs(), extra);
      await expect(opening).rejects.toThrow(TypeError);
      await expect(opening).rejects.toThrow(new RegExp(`${key} must be a codec`));
    }
    const follower = openFollowerStore({
      dir: DIR,
      fs: memFs(),
      codec: countersCodec,
      ops: {} as never,
      apply: applyAdds,
      empty: () => ({}),
      refresh: { intervalMs: 50 },
    });
    await expect(follower).rejects.toThrow(/ops must be a codec/);
  });
});

describe("open: name", () => {
  const bad = [
    [null, "null"],
    ["", "an empty string"],
    [5, "number"],
    [{}, "object"],
  ] as const;

  it("is a non-empty string when given, for the writer and the follower", async () => {
    for (const [name, got] of bad) {
      for (const factory of ["openDurableStore", "openFollowerStore"] as const) {
        const files = { ...counterFiles(memFs()), name: name as never };
        const opening =
          factory === "openDurableStore"
            ? openDurableStore(files)
            : openFollowerStore({ ...files, refresh: { intervalMs: 50 } });
        await expect(opening).rejects.toThrow(
          new TypeError(`${factory}: name must be a non-empty string, got ${got}`),
        );
      }
    }
    await expect(openCounters(memFs(), { name: "a/b" })).rejects.toThrow(
      new TypeError("openDurableStore: name must be a plain file name"),
    );
  });

  it("left out, or undefined, keeps the default file prefix", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, { name: undefined });
    await store.commit("a", () => [add("a")]).settled;
    await store.close();
    expect((await fs.readdir(DIR)).some((file) => file.startsWith("store.wal."))).toBe(true);
  });
});

describe("open: the only snapshot does not decode", () => {
  it("lists it in quarantined when the journal holds every record", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs, { compaction: false });
    for (let i = 0; i < 3; i++) await store.commit("inc", () => [add("a")]).settled;
    await store.close();
    // A snapshot at seq 2 that does not decode; the journal still holds seqs 1 to 3.
    const snap = "store.snap.0000000000000002";
    await spoil(fs, snap);
    const reopened = await openCounters(fs);
    expect(reopened.load).toMatchObject({ source: "journal", snapshotSeq: 0, replayed: 3 });
    expect(reopened.load.quarantined).toEqual([
      expect.stringMatching(new RegExp(`^${snap}\\.corrupt-`)),
    ]);
    expect(await snapshotsIn(fs)).toEqual(reopened.load.quarantined);
    expect(reopened.store.read()).toEqual({ value: { a: 3 }, seq: 3 });
    await reopened.store.close();
  });

  it("a failed open names the snapshot it moved aside", async () => {
    const fs = memFs();
    // No preallocation: the compaction rolls this small journal and prunes the records before it.
    const { store } = await openCounters(fs, { preallocateBytes: 0 });
    for (let i = 0; i < 3; i++) await store.commit("inc", () => [add("a")]).settled;
    await store.compact("prunes the journal before seq 4");
    await store.commit("inc", () => [add("a")]).settled;
    await store.close();
    const [snap] = await snapshotsIn(fs);
    await spoil(fs, snap as string);
    const opening = openCounters(fs);
    await expect(opening).rejects.toMatchObject({
      message: expect.stringContaining(`moved aside to ${snap}.corrupt-`),
      details: { quarantined: [expect.stringMatching(new RegExp(`^${snap}\\.corrupt-`))] },
    });
    expect(await snapshotsIn(fs)).toEqual([expect.stringMatching(/\.corrupt-/)]);
  });
});

describe("open: a snapshot newer than the journal's end", () => {
  it("is refused with the same ERR_GAP by the follower and the writer", async () => {
    const fs = memFs();
    const { store } = await openCounters(fs);
    for (let i = 0; i < 3; i++) await store.commit("inc", () => [add("a")]).settled;
    await store.compact("snap");
    await store.close();
    const [snap] = await snapshotsIn(fs);
    // A copy of it under a seq the journal never reached.
    const bytes = await fs.readFile(`${DIR}/${snap}`);
    const copy = await fs.open(`${DIR}/store.snap.00000000000000ff`, "w");
    await copy.write(bytes, 0, bytes.byteLength, 0);
    await copy.close();
    const gap = { code: "ERR_GAP", details: { seq: 3, snapshotSeq: 255 } };
    const follower = openFollowerStore({ ...counterFiles(fs), refresh: { intervalMs: 50 } });
    await expect(follower).rejects.toMatchObject(gap);
    await expect(openCounters(fs)).rejects.toMatchObject(gap);
  });
});
