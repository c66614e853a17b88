import { concatChunks } from "@snapwrite/testkit";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyKnownMetOps,
  createKnownMetStoreState,
  type KnownFileRecord,
  type KnownMetOp,
  knownMetCodec,
  knownMetOps,
} from "../src/index.js";
import { headerArb, hex, opArbOf, record, recordArb } from "./support/known-met-arbitraries.js";

const opArb = opArbOf(9);

describe("createKnownMetStoreState", () => {
  it("encodes what knownMetCodec encodes for the owner's applyKnownMetOps, batch after batch", () => {
    fc.assert(
      fc.property(
        fc.option(fc.record({ header: headerArb, records: fc.array(recordArb, { maxLength: 8 }) })),
        headerArb,
        fc.array(fc.array(opArb, { maxLength: 6 }), { maxLength: 6 }),
        (file, emptyHeader, batches) => {
          // The owner: a store state decoded from the snapshot file (duplicates kept), or empty().
          const bytes = file === null ? undefined : concatChunks([...knownMetCodec.encode(file)]);
          let owner =
            bytes === undefined
              ? { header: emptyHeader, records: [] as readonly KnownFileRecord[] }
              : knownMetCodec.decode(bytes);
          const replica = createKnownMetStoreState({ header: emptyHeader, chunkSize: 64 });
          replica.load(bytes);
          expect(hex(replica.encode())).toBe(hex(knownMetCodec.encode(owner)));
          for (const ops of batches) {
            owner = { header: owner.header, records: applyKnownMetOps(owner.records, ops) };
            // The replica gets the batch as the journal holds it.
            replica.apply(knownMetOps.decode(knownMetOps.encode(ops)));
            expect(replica.size).toBe(owner.records.length);
            expect(hex(replica.encode())).toBe(hex(knownMetCodec.encode(owner)));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("compacts the holes of many removes and keeps the order", () => {
    const state = createKnownMetStoreState();
    let owner: readonly KnownFileRecord[] = [];
    const all = Array.from({ length: 3000 }, (_, i) => record(i, i, `f${i}`));
    const ups: KnownMetOp[] = all.map((r) => ({ op: "upsert", record: r }));
    const removes: KnownMetOp[] = all
      .filter((_, i) => i % 3 !== 0)
      .map((r) => ({ op: "remove", hash: r.hash }));
    for (const ops of [ups, removes]) {
      const decoded = knownMetOps.decode(knownMetOps.encode(ops));
      owner = applyKnownMetOps(owner, ops);
      state.apply(decoded);
    }
    expect(state.size).toBe(1000);
    expect(hex(state.encode())).toBe(hex(knownMetCodec.encode({ header: "auto", records: owner })));
  });

  it("refuses malformed ops and bad headers with TypeError", () => {
    expect(() => createKnownMetStoreState({ header: 3 as never })).toThrow(TypeError);
    const state = createKnownMetStoreState();
    expect(() => state.apply([{ op: "remove", hash: new Uint8Array(3) }])).toThrow(TypeError);
    expect(() => state.apply([{ op: "nope" } as never])).toThrow(TypeError);
    expect(() => state.apply("x" as never)).toThrow(TypeError);
    expect(state.size).toBe(0);
  });

  it("throws the decoder's ERR_CORRUPT for a file that is not a known.met", () => {
    const state = createKnownMetStoreState();
    expect(() => state.load(new Uint8Array([1, 2, 3]))).toThrow(
      expect.objectContaining({ code: "ERR_CORRUPT" }),
    );
  });
});
