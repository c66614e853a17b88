import { describe, expect, it } from "vitest";
import { readmeExampleModule } from "../../../scripts/readme-example-module.js";
import * as codecKit from "../src/codec-kit/index.js";
import * as core from "../src/index.js";
import { type Codec, createPersistenceWriter, type WriteFailed } from "../src/index.js";
import { FakeClock, FakeSink } from "./support/fakes.js";

// The README's codec-kit example, as printed: its list codec round-trips names and refuses one
// too long for its u16 length field, so such a save fails instead of storing an unreadable file.
function readmeListCodec(): Codec<readonly string[]> {
  const example = readmeExampleModule("packages/core/README.md", "function* encodeList", {
    "@snapwrite/core": core,
    "@snapwrite/core/codec-kit": codecKit,
  });
  return example.listCodec as Codec<readonly string[]>;
}

function encode(codec: Codec<readonly string[]>, names: readonly string[]): Uint8Array {
  return codecKit.concatChunks(codec.encode(names) as Iterable<Uint8Array>);
}

describe("core README codec-kit example", () => {
  it("round-trips names up to the longest its u16 length holds", () => {
    const codec = readmeListCodec();
    const names = ["", "ok", "ünïcödé", "é".repeat(32_767), "x".repeat(65_535)];
    const bytes = encode(codec, names);
    expect(codec.decode(bytes)).toEqual(names);
  });

  it("refuses a name longer than 65535 bytes when encoding, naming it", () => {
    const codec = readmeListCodec();
    expect(() => encode(codec, ["ok", "x".repeat(70_000)])).toThrow(RangeError);
    expect(() => encode(codec, ["ok", "é".repeat(32_768)])).toThrow(/name 1 .*65536 bytes/);
  });

  it("so the save fails as ERR_ENCODE and nothing is stored", async () => {
    const sink = new FakeSink();
    const clock = new FakeClock();
    const writer = createPersistenceWriter({ sink, clock });
    const handle = writer.register("names.bin", {
      snapshot: () => ["ok", "x".repeat(70_000), "after"],
      codec: readmeListCodec(),
      debounceMs: 0,
      maxDelayMs: 0,
    });
    const ticket = handle.request("save");
    await clock.advance(0);
    const result = (await ticket.settled) as WriteFailed;
    expect(result.ok).toBe(false);
    expect(result.error.code).toBe("ERR_ENCODE");
    expect(sink.files.size).toBe(0);
    await writer.close();
  });
});
