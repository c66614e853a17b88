import { createJsonCodec } from "@snapwrite/formats-json";
import { describeCodecContract } from "@snapwrite/testkit/contract";
import { describe, expect, it } from "vitest";
import {
  createKeyedCollectionsCodec,
  createKeyedState,
  emptyCollections,
  getEntry,
  type KeyedCollections,
  withCollection,
} from "../src/index.js";

const codec = createKeyedCollectionsCodec({ json: createJsonCodec({ version: 1 }) });
const encode = (state: KeyedCollections) => Buffer.concat([...codec.encode(state)]);
const plain = (state: KeyedCollections) =>
  Object.fromEntries(Object.entries(state).map(([name, c]) => [name, [...c]]));

const sample = withCollection(
  withCollection(
    emptyCollections(),
    "assets",
    createKeyedState([
      ["b", { n: 2 }],
      ["a", { n: 1 }],
    ]),
  ),
  "meta",
  createKeyedState([["version", 3]]),
);

describeCodecContract("keyed collections codec", {
  codec,
  samples: [{ value: emptyCollections() }, { value: sample }],
  equals: (a, b) => JSON.stringify(plain(a)) === JSON.stringify(plain(b)),
  invalid: [
    new TextEncoder().encode('{"version":1,"data":[1,2]}'),
    new TextEncoder().encode('{"version":1,"data":{"assets":"abc"}}'),
  ],
});

describe("createKeyedCollectionsCodec", () => {
  it("round-trips collections as key-ordered pairs through the given JSON codec", () => {
    const bytes = encode(sample);
    expect(JSON.parse(bytes.toString()).data).toEqual({
      assets: [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      meta: [["version", 3]],
    });
    expect(getEntry(codec.decode(bytes), "assets", "b")).toEqual({ n: 2 });
  });

  it("reports a snapshot of the wrong shape as ERR_CORRUPT, and bad options as TypeError", () => {
    const wrong = new TextEncoder().encode('{"version":1,"data":{"assets":[["a"]]}}');
    expect(() => codec.decode(wrong)).toThrow(expect.objectContaining({ code: "ERR_CORRUPT" }));
    expect(() => createKeyedCollectionsCodec({} as never)).toThrow(TypeError);
  });
});
