// Sink checks: Round trip, overwrite, empty and large payloads.
import type { Sink } from "@snapwrite/core";
import { chunksOf, ensure, patternBytes } from "./assertions.js";
import {
  asyncChunks,
  expectContent,
  type LargePayloadOptions,
  syncChunks,
  write,
} from "./sink-support.js";

/**
 * Round trip: bytes written from an array, a generator and an async generator read back
 * unchanged, also under a nested target; `write` reports the byte count and the durability the
 * sink declares.
 */
export async function checkRoundTrip(sink: Sink): Promise<void> {
  const check = "checkRoundTrip";
  const cases: [string, Iterable<Uint8Array> | AsyncIterable<Uint8Array>, Uint8Array][] = [];
  const a = patternBytes(1000, 1);
  cases.push(["round-trip.bin", chunksOf(a, 300), a]);
  const b = patternBytes(777, 2);
  cases.push(["round-trip-sync.bin", syncChunks(chunksOf(b, 100)), b]);
  const c = patternBytes(4097, 3);
  cases.push(["round-trip-async.bin", asyncChunks(chunksOf(c, 1024)), c]);
  const d = patternBytes(64, 4);
  cases.push(["nested/dir/round-trip.bin", [d], d]);
  for (const [target, chunks, expected] of cases) {
    const result = await write(check, sink, target, chunks);
    ensure(
      check,
      result.bytes === expected.byteLength,
      `write(${target}) reported ${result.bytes} bytes, wrote ${expected.byteLength}`,
    );
    ensure(
      check,
      result.durable === sink.capabilities.durable,
      `write(${target}) reported durable=${result.durable} but the sink declares durable=${sink.capabilities.durable}`,
    );
    await expectContent(check, sink, target, expected, `read(${target}) after write`);
  }
}

/** Overwrite: a shorter then a longer payload replace the previous content completely. */
export async function checkOverwrite(sink: Sink): Promise<void> {
  const check = "checkOverwrite";
  const target = "overwrite.bin";
  for (const [length, tag] of [
    [5000, 1],
    [100, 2],
    [9000, 3],
    [1, 4],
  ] as const) {
    const bytes = patternBytes(length, tag);
    await write(check, sink, target, chunksOf(bytes, 1024));
    await expectContent(check, sink, target, bytes, `read after writing ${length} bytes`);
  }
}

/** Empty payloads: no chunks, or only empty chunks, store an existing empty target. */
export async function checkEmptyPayload(sink: Sink): Promise<void> {
  const check = "checkEmptyPayload";
  const none = await write(check, sink, "empty.bin", []);
  ensure(check, none.bytes === 0, `write of no chunks reported ${none.bytes} bytes`);
  await expectContent(check, sink, "empty.bin", new Uint8Array(0), "read of an empty target");
  await write(check, sink, "empty-chunks.bin", [patternBytes(10, 1)]);
  const empty = await write(check, sink, "empty-chunks.bin", [
    new Uint8Array(0),
    new Uint8Array(0),
  ]);
  ensure(check, empty.bytes === 0, `write of empty chunks reported ${empty.bytes} bytes`);
  await expectContent(
    check,
    sink,
    "empty-chunks.bin",
    new Uint8Array(0),
    "read after overwriting with empty chunks",
  );
}

/** Large payload: many MiB in many chunks arrive complete and in order. */
export async function checkLargePayload(
  sink: Sink,
  options: LargePayloadOptions = {},
): Promise<void> {
  const check = "checkLargePayload";
  const total = options.bytes ?? 8 * 1024 * 1024;
  const size = options.chunkBytes ?? 64 * 1024;
  const bytes = patternBytes(total, 7);
  async function* chunks() {
    for (let at = 0; at < total; at += size) {
      yield bytes.slice(at, at + size);
      if ((at / size) % 16 === 0) await Promise.resolve();
    }
  }
  const result = await write(check, sink, "large.bin", chunks());
  ensure(check, result.bytes === total, `write reported ${result.bytes} bytes, wrote ${total}`);
  await expectContent(check, sink, "large.bin", bytes, "read of the large payload");
}
