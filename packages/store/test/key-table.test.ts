import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hashKey, KeyTable, TABLES, tableOf } from "../src/key-table.js";

type Op = { kind: "set"; key: string; value: number } | { kind: "delete"; key: string };

const key = fc.string({ maxLength: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key, value: fc.nat(99) }),
  fc.record({ kind: fc.constant("delete" as const), key }),
);

/** Runs `ops` on a table and a `Map`, checking every key seen after each step. */
function checkAgainstMap(ops: readonly Op[], hash: (key: string) => number): void {
  const table = new KeyTable<number>();
  const model = new Map<string, number>();
  const seen = new Set<string>(["", "zz"]);
  for (const o of ops) {
    seen.add(o.key);
    if (o.kind === "set") {
      table.set(o.key, hash(o.key), o.value);
      model.set(o.key, o.value);
    } else {
      table.delete(o.key, hash(o.key));
      model.delete(o.key);
    }
    expect(table.size).toBe(model.size);
    for (const k of seen) {
      expect(table.get(k, hash(k))).toBe(model.get(k));
      expect(table.has(k, hash(k))).toBe(model.has(k));
    }
  }
}

describe("KeyTable", () => {
  it("reads what a Map reads after any sets and deletes, through growth (property)", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => checkAgainstMap(ops, hashKey)),
    );
  });

  it("keeps every key reachable when hashes collide and runs wrap around the end (property)", () => {
    // Four hashes whose slot bits point at the last four slots of a table of any size, and one
    // shared hash: long runs that wrap, so a delete's back-shift crosses the end of the table.
    const colliding = (k: string) => (((1 << 27) - 1 - (k.length % 4)) << 4) | 1;
    const same = () => -16;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        checkAgainstMap(ops, colliding);
        checkAgainstMap(ops, same);
      }),
    );
  });

  it("grows past half full and keeps every entry", () => {
    const table = new KeyTable<number>();
    for (let i = 0; i < 5000; i++) table.set(`k${i}`, hashKey(`k${i}`), i);
    expect(table.hashes.length).toBe(16384);
    for (let i = 0; i < 5000; i++) expect(table.get(`k${i}`, hashKey(`k${i}`))).toBe(i);
    for (let i = 0; i < 5000; i += 2) table.delete(`k${i}`, hashKey(`k${i}`));
    expect(table.size).toBe(2500);
    for (let i = 0; i < 5000; i++) {
      expect(table.get(`k${i}`, hashKey(`k${i}`))).toBe(i % 2 === 0 ? undefined : i);
    }
  });

  it("tells a stored undefined from an absent key", () => {
    const table = new KeyTable<undefined>();
    table.set("a", hashKey("a"), undefined);
    expect(table.has("a", hashKey("a"))).toBe(true);
    expect(table.has("b", hashKey("b"))).toBe(false);
  });
});

describe("hashKey", () => {
  it("is never 0 and spreads keys over the tables", () => {
    const counts = new Array<number>(TABLES).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const h = hashKey(`k${i.toString().padStart(8, "0")}`);
      expect(h).not.toBe(0);
      counts[tableOf(h)] = (counts[tableOf(h)] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(hashKey("")).not.toBe(0);
  });
});
