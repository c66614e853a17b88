import { describeCodecContract } from "@snapwrite/testkit/contract";
import { known2MetCodec } from "../src/known2/known2-met-codec.js";
import { fromHex } from "./support/corrupt.js";
import { readSet1 } from "./support/read-fixture.js";

const fuzz = { numRuns: 150 };

describeCodecContract("known2MetCodec", {
  codec: known2MetCodec,
  samples: [
    { value: known2MetCodec.decode(readSet1("known2_64.met")), bytes: readSet1("known2_64.met") },
    { value: { entries: [] }, bytes: fromHex("02") },
    {
      value: {
        entries: [
          { root: new Uint8Array(20).fill(1), leaves: new Uint8Array(0) },
          { root: new Uint8Array(20).fill(2), leaves: new Uint8Array(60).fill(3) },
        ],
      },
    },
  ],
  invalid: [
    new Uint8Array(0),
    fromHex("01"),
    fromHex(`02 ${"aa".repeat(20)} 0100`),
    fromHex(`02 ${"aa".repeat(20)} ffffffff`),
    fromHex(`02 ${"aa".repeat(20)} 01000000 ${"bb".repeat(19)}`),
  ],
  fuzz,
});
