import { describeCodecContract } from "@snapwrite/testkit/contract";
import { createJsonCodec } from "../src/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describeCodecContract("json codec", {
  codec: createJsonCodec<unknown>(),
  samples: [
    { value: { a: 1, b: [true, null, "x"] }, bytes: bytes('{"a":1,"b":[true,null,"x"]}') },
    { value: [], bytes: bytes("[]") },
    { value: "ünïcödé \u2028 \ud83d\ude00", bytes: bytes('"ünïcödé \u2028 \ud83d\ude00"') },
    { value: { nested: { deep: [1.5, -2e-7, 1e21] }, empty: {} } },
    { value: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `file-${i}` })) },
  ],
  invalid: [
    bytes(""),
    bytes("{"),
    bytes('{"a":}'),
    bytes("[1,2"),
    new Uint8Array([0x22, 0xff, 0x22]),
  ],
});

describeCodecContract("json codec, pretty with a versioned envelope and small chunks", {
  codec: createJsonCodec<unknown>({ pretty: 2, version: 3, chunkSize: 64, stableKeys: true }),
  samples: [
    {
      value: { b: 2, a: [1, 2] },
      bytes: bytes(JSON.stringify({ version: 3, data: { a: [1, 2], b: 2 } }, null, 2)),
    },
    { value: { list: Array.from({ length: 50 }, (_, i) => `entry ${i}`) } },
  ],
  invalid: [bytes('{"version":3}'), bytes('{"data":1}'), bytes("[]")],
});
