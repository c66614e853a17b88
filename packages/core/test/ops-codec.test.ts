import { describe, expectTypeOf, it } from "vitest";
import type { Apply, OpBatch, OpsCodec, Seq } from "../src/index.js";

type CounterOp = { readonly name: string; readonly add: number };

describe("point-patch contracts", () => {
  it("type a sequence-numbered batch, an ops codec and a pure apply", () => {
    expectTypeOf<Seq>().toEqualTypeOf<number>();
    expectTypeOf<OpBatch<CounterOp>>().toEqualTypeOf<{
      readonly seq: number;
      readonly reason: string;
      readonly ops: readonly CounterOp[];
    }>();
    expectTypeOf<OpsCodec<CounterOp>["name"]>().toEqualTypeOf<string>();
    expectTypeOf<OpsCodec<CounterOp>["encode"]>().toEqualTypeOf<
      (ops: readonly CounterOp[]) => Uint8Array
    >();
    expectTypeOf<OpsCodec<CounterOp>["decode"]>().toEqualTypeOf<
      (bytes: Uint8Array) => CounterOp[]
    >();
    expectTypeOf<OpsCodec<CounterOp>["keyOf"]>().toEqualTypeOf<
      ((op: CounterOp) => string | undefined) | undefined
    >();
    expectTypeOf<Apply<string, CounterOp>>().toEqualTypeOf<
      (state: string, ops: readonly CounterOp[]) => string
    >();
  });
});
