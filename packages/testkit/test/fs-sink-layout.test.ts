import { PersistenceError, type Sink } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import {
  ContractViolation,
  checkCrashAtomicity,
  checkFailureCleanup,
  checkFaultMatrix,
  describeFsSinkContract,
  type FsSinkEnv,
} from "../src/contract.js";
import {
  createReferenceFsSink,
  type FixtureBug,
  type ReferenceFsSinkOptions,
} from "./fixtures/reference-fs-sink.js";

const MAGIC = 0x46524d31;

function trailer(length: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, length, true);
  return out;
}

async function* framed(
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  let length = 0;
  for await (const chunk of chunks) {
    length += chunk.byteLength;
    yield chunk;
  }
  yield trailer(length);
}

/** A correct sink that stores its content followed by a trailer (magic, length) it checks on read. */
function createFramedSink(env: FsSinkEnv): Sink {
  const inner = createReferenceFsSink(env);
  return {
    capabilities: inner.capabilities,
    write: (target, chunks, options) => inner.write(target, framed(chunks), options),
    async read(target, options) {
      const raw = await inner.read(target, options);
      const body = raw.byteLength - 8;
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      if (
        body < 0 ||
        view.getUint32(body, true) !== MAGIC ||
        view.getUint32(body + 4, true) !== body
      ) {
        throw new PersistenceError("ERR_CORRUPT", "bad trailer", { target });
      }
      return raw.subarray(0, body);
    },
  };
}

const staged =
  (bug?: FixtureBug) =>
  ({ fs, dir }: Omit<ReferenceFsSinkOptions, "bug">) =>
    createReferenceFsSink({ fs, dir, bug, staging: true });

describe("fs-sink checks of a sink with its own framing", () => {
  it("fail it when the old content is seeded as raw bytes", async () => {
    await expect(checkCrashAtomicity({ create: createFramedSink })).rejects.toThrow(
      ContractViolation,
    );
    await expect(checkFaultMatrix({ create: createFramedSink })).rejects.toThrow(ContractViolation);
  });

  it("pass it with seedThroughSink: old content written and compared through the sink", async () => {
    const options = { create: createFramedSink, seedThroughSink: true };
    await checkCrashAtomicity(options);
    await checkFaultMatrix(options);
  });

  it("accept seedThroughSink in describeFsSinkContract and reject a non-boolean", () => {
    expect(() =>
      describeFsSinkContract("bad", {
        create: createFramedSink,
        seedThroughSink: "yes" as unknown as boolean,
      }),
    ).toThrow("describeFsSinkContract: options.seedThroughSink must be a boolean, got string");
  });
});

describe("fs-sink checks look for leftovers in subdirectories", () => {
  it("pass a sink staging its temp files in dir/.staging", async () => {
    await checkFailureCleanup({ create: staged() });
    await checkFaultMatrix({ create: staged() });
  });

  it("catch a staged temp file left after a failure", async () => {
    await expect(checkFaultMatrix({ create: staged("keeps-temp") })).rejects.toThrow(
      /leftover files after the write: \.staging\/\.target\.bin\..*\.tmp/,
    );
  });

  it("catch a staged temp file left after an aborted write", async () => {
    await expect(checkFailureCleanup({ create: staged("leaks-temp-on-abort") })).rejects.toThrow(
      /^checkFailureCleanup: write aborted midway: leftover files after the failed write: \.staging\/\.abort\.bin\.\d+-[0-9a-f]+\.tmp$/,
    );
  });
});
