import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { byteDamage, damageBytes } from "@snapwrite/testkit/checks";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyKnownMetOps,
  assembleKnownFileRecord,
  createMetTag,
  type KnownFileRecord,
  type KnownMetOp,
  knownMetCodec,
  knownMetOps,
} from "../src/index.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

function hashOf(id: number): Uint8Array {
  const hash = new Uint8Array(16);
  hash[0] = id;
  hash[15] = 0xa5;
  return hash;
}

function record(id: number, size: number, date: number, name: string): KnownFileRecord {
  return assembleKnownFileRecord({
    date,
    hash: hashOf(id),
    partHashes: size > 9_728_000 ? [hashOf(200), hashOf(201)] : [],
    tags: [
      createMetTag({ id: 1, type: "string", value: name }),
      createMetTag({ id: 2, type: size > 0xffffffff ? "uint64" : "uint32", value: size }),
    ],
  });
}

const recordArb = fc
  .record({
    id: fc.nat(7),
    size: fc.oneof(fc.nat(20_000_000), fc.constant(5_000_000_000)),
    date: fc.nat(),
    name: fc.string({ maxLength: 8 }),
  })
  .map(({ id, size, date, name }) => record(id, size, date, name));
const opArb: fc.Arbitrary<KnownMetOp> = fc.oneof(
  recordArb.map((r) => ({ op: "upsert" as const, record: r })),
  fc.nat(7).map((id) => ({ op: "remove" as const, hash: hashOf(id) })),
);
const opsArb = fc.array(opArb, { maxLength: 12 });

const describeOps = (ops: readonly KnownMetOp[]) =>
  ops.map((op) =>
    op.op === "upsert" ? ["upsert", hex(op.record.bytes)] : ["remove", hex(op.hash)],
  );

/** The documented semantics, written the slow, obvious way. */
function model(records: readonly KnownFileRecord[], ops: readonly KnownMetOp[]): KnownFileRecord[] {
  let list = [...records];
  for (const op of ops) {
    const key = hex(op.op === "upsert" ? op.record.hash : op.hash);
    const at = list.findIndex((r) => hex(r.hash) === key);
    if (op.op === "upsert") {
      if (at < 0) list.push(op.record);
      else
        list = list
          .filter((r, i) => i === at || hex(r.hash) !== key)
          .map((r, i) => (i === at ? op.record : r));
    } else {
      list = list.filter((r) => hex(r.hash) !== key);
    }
  }
  return list;
}

function thrown(run: () => unknown): PersistenceError {
  try {
    run();
  } catch (error) {
    if (isPersistenceError(error)) return error;
    throw error;
  }
  throw new Error("expected a PersistenceError");
}

// Plain checks instead of expect(): the fuzz runs this tens of thousands of times.
function expectCorrupt(bytes: Uint8Array): void {
  try {
    knownMetOps.decode(bytes);
  } catch (error) {
    if (!isPersistenceError(error, "ERR_CORRUPT")) throw error;
    const { offset, reason } = (error.details ?? {}) as { offset?: unknown; reason?: unknown };
    if (
      typeof offset !== "number" ||
      offset < 0 ||
      offset > bytes.byteLength ||
      typeof reason !== "string"
    ) {
      throw new Error(`bad details ${JSON.stringify(error.details)} for ${bytes.byteLength} bytes`);
    }
  }
}

describe("knownMetOps", () => {
  it("round-trips upserts and removes with the records' exact bytes (property)", () => {
    fc.assert(
      fc.property(opsArb, (ops) => {
        const bytes = knownMetOps.encode(ops);
        const decoded = knownMetOps.decode(bytes);
        expect(describeOps(decoded)).toEqual(describeOps(ops));
        expect(knownMetOps.encode(decoded)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it("decodes records that own their bytes and read like the originals", () => {
    const original = record(3, 5_000_000_000, 1234, "big.iso");
    const bytes = knownMetOps.encode([{ op: "upsert", record: original }]);
    const [op] = knownMetOps.decode(bytes);
    bytes.fill(0);
    if (op?.op !== "upsert") throw new Error("expected an upsert");
    expect(hex(op.record.bytes)).toBe(hex(original.bytes));
    expect(op.record.size).toBe(5_000_000_000n);
    expect(op.record.name).toBe("big.iso");
    expect(op.record.date).toBe(1234);
  });

  it("keys removes by hash and leaves upserts unkeyed", () => {
    const keyOf = knownMetOps.keyOf as (op: KnownMetOp) => string | undefined;
    expect(keyOf({ op: "remove", hash: hashOf(1) })).toBe(hex(hashOf(1)));
    expect(keyOf({ op: "upsert", record: record(1, 1, 1, "a") })).toBeUndefined();
  });

  it("dropping every keyed op that a later op with the same key follows changes nothing (property)", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 6 }), opsArb, (initial, ops) => {
        const keyOf = knownMetOps.keyOf as (op: KnownMetOp) => string | undefined;
        // The most eager coalescer: it even drops across unkeyed ops.
        const coalesced = ops.filter((op, i) => {
          const key = keyOf(op);
          return key === undefined || !ops.slice(i + 1).some((later) => keyOf(later) === key);
        });
        const start = model(
          [],
          initial.map((r) => ({ op: "upsert" as const, record: r })),
        );
        expect(applyKnownMetOps(start, coalesced).map((r) => hex(r.bytes))).toEqual(
          applyKnownMetOps(start, ops).map((r) => hex(r.bytes)),
        );
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ["an unknown op", [{ op: "put", record: record(1, 1, 1, "a") }]],
    ["a record without bytes", [{ op: "upsert", record: {} }]],
    [
      "record bytes that are not a record",
      [{ op: "upsert", record: { bytes: new Uint8Array(5) } }],
    ],
    [
      "record bytes with trailing bytes",
      [{ op: "upsert", record: { bytes: Uint8Array.from([...record(1, 1, 1, "a").bytes, 0]) } }],
    ],
    ["a 15-byte hash", [{ op: "remove", hash: new Uint8Array(15) }]],
  ])("throws ERR_ENCODE for %s", (_name, ops) => {
    const error = thrown(() => knownMetOps.encode(ops as never));
    expect(error.code).toBe("ERR_ENCODE");
    expect(error.details).toEqual({ index: 0 });
  });

  it.each([
    ["no bytes", [], 0, "truncated"],
    ["an unknown version", [9], 0, "bad-header"],
    ["an unknown kind", [1, 7], 1, "bad-value"],
    ["a cut hash", [1, 2, 1, 2, 3], 2, "truncated"],
    ["a cut record length", [1, 1, 0, 0], 2, "truncated"],
    ["a record length past the end", [1, 1, 255, 255, 255, 255, 0], 2, "bad-length"],
    ["a record cut short", [1, 1, 3, 0, 0, 0, 1, 2, 3], 6, "truncated"],
  ])("throws ERR_CORRUPT for %s", (_name, raw, offset, reason) => {
    const error = thrown(() => knownMetOps.decode(Uint8Array.from(raw)));
    expect(error.code).toBe("ERR_CORRUPT");
    expect(error.details).toMatchObject({ offset, reason });
  });

  it("reports a damaged record at its offset in the ops bytes", () => {
    const good = record(1, 10, 1, "a");
    const bytes = knownMetOps.encode([
      { op: "remove", hash: hashOf(2) },
      { op: "upsert", record: good },
    ]);
    // The record's tag count (after date, hash and part count) now claims 200 tags.
    const tagCountAt = 1 + 17 + 5 + 4 + 16 + 2;
    bytes[tagCountAt] = 200;
    const error = thrown(() => knownMetOps.decode(bytes));
    expect(error.code).toBe("ERR_CORRUPT");
    expect(error.details).toMatchObject({ offset: tagCountAt, reason: "bad-length" });
  });

  it("rejects damaged encodings only with ERR_CORRUPT (fuzz, 40k mutated inputs)", () => {
    const pool = fc.sample(opsArb, { numRuns: 200, seed: 7 }).map((ops) => knownMetOps.encode(ops));
    fc.assert(
      fc.property(
        fc.nat(pool.length - 1),
        fc.array(byteDamage, { minLength: 1, maxLength: 3 }),
        (pick, damages) => {
          const bytes = damageBytes(pool[pick] as Uint8Array, damages);
          expectCorrupt(bytes);
        },
      ),
      { numRuns: 40_000 },
    );
  });

  it("rejects arbitrary bytes only with ERR_CORRUPT (fuzz, 20k inputs)", () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 1, 2), fc.uint8Array({ maxLength: 80 }), (first, rest) => {
        expectCorrupt(Uint8Array.from([first, ...rest]));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe("applyKnownMetOps", () => {
  it("matches the documented model and leaves its input alone (property)", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 8 }), opsArb, (initial, ops) => {
        // `initial` may hold duplicate hashes, as a decoded file can.
        const before = initial.map((r) => hex(r.bytes));
        const applied = applyKnownMetOps(initial, ops);
        expect(applied.map((r) => hex(r.bytes))).toEqual(
          model(initial, ops).map((r) => hex(r.bytes)),
        );
        expect(initial.map((r) => hex(r.bytes))).toEqual(before);
        if (ops.length > 0) expect(Object.isFrozen(applied)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("replaces in place, appends new hashes, and ignores the removal of a missing hash", () => {
    const a = record(1, 10, 0, "a");
    const b = record(2, 20, 0, "b");
    const c = record(3, 30, 0, "c");
    const b2 = record(2, 21, 9, "b2");
    const d = record(4, 40, 0, "d");
    const list = applyKnownMetOps(
      [a, b, c],
      [
        { op: "upsert", record: b2 },
        { op: "upsert", record: d },
        { op: "remove", hash: hashOf(1) },
        { op: "remove", hash: hashOf(6) },
      ],
    );
    expect(list.map((r) => r.name)).toEqual(["b2", "c", "d"]);
    expect(applyKnownMetOps(list, [])).toBe(list);
  });

  it("applied through the codec, encodes byte-identically to the list built directly (property)", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { maxLength: 8 }),
        fc.array(opsArb, { maxLength: 4 }),
        (initial, batches) => {
          let state: readonly KnownFileRecord[] = initial;
          for (const ops of batches)
            state = applyKnownMetOps(state, knownMetOps.decode(knownMetOps.encode(ops)));
          const direct = model(initial, batches.flat());
          const viaOps = concatChunks(knownMetCodec.encode({ header: "auto", records: state }));
          const built = concatChunks(knownMetCodec.encode({ header: "auto", records: direct }));
          expect(hex(viaOps)).toBe(hex(built));
          expect(knownMetCodec.decode(viaOps).records.length).toBe(direct.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("throws a TypeError for a malformed op and applies nothing", () => {
    const list = [record(1, 1, 1, "a")];
    expect(() => applyKnownMetOps(list, [{ op: "remove", hash: new Uint8Array(3) }])).toThrow(
      TypeError,
    );
    expect(() => applyKnownMetOps(list, [{ op: "upsert", record: {} } as never])).toThrow(
      TypeError,
    );
    expect(() => applyKnownMetOps(list, [{ op: "delete" } as never])).toThrow(TypeError);
    expect(() => applyKnownMetOps(list, {} as never)).toThrow(TypeError);
  });
});
