import { describeCodecContract } from "@snapwrite/testkit/contract";
import type { EmuleCancelledMet } from "../src/cancelled/emule-cancelled-met.js";
import { emuleCancelledMetCodec } from "../src/cancelled/emule-cancelled-met-codec.js";
import { fromHex, toHex } from "./support/corrupt.js";

const fuzz = { numRuns: 150 };

const cancelledEquals = (a: EmuleCancelledMet, b: EmuleCancelledMet): boolean =>
  a.format === b.format &&
  a.version === b.version &&
  a.seed === b.seed &&
  a.entries.length === b.entries.length &&
  a.entries.every((e, i) => {
    const f = b.entries[i];
    return (
      f !== undefined &&
      toHex(e.id) === toHex(f.id) &&
      e.tags.map((t) => toHex(t.raw)).join() === f.tags.map((t) => toHex(t.raw)).join()
    );
  });

const withTags = fromHex(
  `0f 01 0a000000 02000000
   ${"11".repeat(16)} 02  03 0100 19 05000000  82 01 0200 6162
   ${"22".repeat(16)} 00`,
);

describeCodecContract("emuleCancelledMetCodec", {
  codec: emuleCancelledMetCodec,
  samples: [
    {
      value: {
        format: "salted",
        version: 1,
        seed: 0x12345678,
        entries: [{ id: fromHex("1FA192617E0BCB1382A360D37B31CA17"), tags: [] }],
      },
      bytes: fromHex("0f 01 78563412 01000000 1FA192617E0BCB1382A360D37B31CA17 00"),
    },
    {
      value: {
        format: "legacy",
        version: 0,
        seed: 0,
        entries: [{ id: fromHex("0123456789ABCDEFFEDCBA9876543210"), tags: [] }],
      },
      bytes: fromHex("0e 01000000 0123456789ABCDEFFEDCBA9876543210 00"),
    },
    { value: emuleCancelledMetCodec.decode(withTags), bytes: withTags },
  ],
  equals: cancelledEquals,
  invalid: [
    new Uint8Array(0),
    fromHex("21 01000000"),
    fromHex("0f 02 00000000 00000000"),
    fromHex("0f 01 000000"),
    fromHex("0f 01 00000000 ffffffff"),
    fromHex(`0f 01 00000000 01000000 ${"11".repeat(16)} 01 0a 0100 01 00`),
    fromHex(`0f 01 00000000 00000000 00`),
  ],
  fuzz,
});
