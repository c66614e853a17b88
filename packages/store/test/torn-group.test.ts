import {
  DEFAULT_MAX_RECORD_BYTES,
  decodeSegmentHeader,
  listSegments,
  RECORD_HEADER_BYTES,
  scanSegment,
} from "@snapwrite/journal";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { add, DIR, openCounters } from "./counters.js";

describe("openDurableStore after a power loss tore its last group", () => {
  it("opens with the acknowledged commits only: the torn group is a tail, copied aside, never applied", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const { store } = await openCounters(fs);
    for (const n of [1, 2, 3]) await store.commit("add", () => [add("a", n)]).settled;
    await store.commit("add b", () => [add("b", 5)]).settled;
    const acked = store.read();
    expect(acked).toEqual({ value: { a: 6, b: 5 }, seq: 4 });
    // Three commands queued together: one journal group of three records, written over the
    // journal's preallocated zeros.
    const queued = ["a", "b", "c"].map((key) => store.commit("burst", () => [add(key, 100)]));
    const results = await Promise.all(queued.map((t) => t.settled));
    expect(results.every((r) => r.ok)).toBe(true);
    await store.close();

    // The power loss: the group's first record never reached the disk, its later ones did.
    const files = await listSegments(fs, DIR, "store");
    const path = `${DIR}/${files.at(-1)}`;
    const bytes = new Uint8Array(fs.vol.readFileSync(path) as Uint8Array);
    const header = decodeSegmentHeader(bytes);
    const { records } = scanSegment(bytes, header, bytes.byteLength, DEFAULT_MAX_RECORD_BYTES);
    const group = records.slice(-3);
    // Preallocated (2), the index in the group (<< 2), the group's end (1).
    expect(group.map((r) => [r.seq, r.flags])).toEqual([
      [5, 2],
      [6, 6],
      [7, 11],
    ]);
    const first = group[0] as (typeof group)[number];
    bytes.fill(0, first.offset, first.offset + RECORD_HEADER_BYTES + first.payload.byteLength);
    fs.vol.writeFileSync(path, bytes);

    const reopened = await openCounters(fs);
    expect(reopened.store.read()).toEqual(acked);
    expect(reopened.load).toMatchObject({
      source: "journal",
      replayed: 4,
      seq: 4,
      tail: { reason: "torn", offset: first.offset },
    });
    expect(reopened.load.quarantined.some((f) => f.includes(".torn-"))).toBe(true);
    const next = await reopened.store.commit("add c", () => [add("c", 1)]).settled;
    expect(next).toMatchObject({ ok: true, seq: 5 });
    await reopened.store.close();

    const again = await openCounters(fs);
    expect(again.store.read()).toEqual({ value: { a: 6, b: 5, c: 1 }, seq: 5 });
    expect(again.load).toMatchObject({ tail: null, quarantined: [] });
    await again.store.close();
  });
});
