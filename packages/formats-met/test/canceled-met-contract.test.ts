import { describeCodecContract } from "@snapwrite/testkit/contract";
import { amuleCanceledMetCodec } from "../src/canceled/amule-canceled-met-codec.js";
import { fromHex } from "./support/corrupt.js";
import { readSet1 } from "./support/read-fixture.js";

const fuzz = { numRuns: 150 };

describeCodecContract("amuleCanceledMetCodec", {
  codec: amuleCanceledMetCodec,
  samples: [
    {
      value: { hashes: [fromHex("0123456789ABCDEFFEDCBA9876543210")] },
      bytes: readSet1("canceled.met"),
    },
    { value: { hashes: [] }, bytes: fromHex("2100000000") },
    {
      value: {
        hashes: [new Uint8Array(16).fill(9), new Uint8Array(16), new Uint8Array(16).fill(9)],
      },
    },
  ],
  invalid: [
    new Uint8Array(0),
    fromHex("2200000000"),
    fromHex("210100"),
    fromHex("21ffffffff"),
    fromHex(`2101000000${"11".repeat(15)}`),
    fromHex(`2100000000ff`),
  ],
  fuzz,
});
