import { describe, expect, it } from "vitest";
import { within } from "../src/checks/assertions.js";
import {
  ContractViolation,
  checkAbort,
  checkConcurrentWrites,
  checkCrashAtomicity,
  checkCrashDurability,
  checkFailureCleanup,
  checkFaultMatrix,
  checkFencing,
  checkReadDuringWrite,
  checkSourceFailure,
} from "../src/contract.js";
import { createMemoryFs } from "../src/index.js";
import { createKitSink } from "./fixtures/kit-sink.js";
import { createReferenceFsSink, type FixtureBug } from "./fixtures/reference-fs-sink.js";

const onMemory = (bug?: FixtureBug) =>
  createReferenceFsSink({ fs: createMemoryFs({ "/data": null }), dir: "/data", bug });

const factory =
  (bug?: FixtureBug) =>
  ({ fs, dir }: { fs: Parameters<typeof createReferenceFsSink>[0]["fs"]; dir: string }) =>
    createReferenceFsSink({ fs, dir, bug });

describe("the suites catch broken sinks", () => {
  it("catches a sink that declares fencing but lets an older generation overwrite", async () => {
    await expect(checkFencing(createKitSink("no-fence"))).rejects.toThrow(
      /checkFencing: write with an older generation/,
    );
  });

  it("catches a sink that writes in place: readers see partial content", async () => {
    await expect(checkReadDuringWrite(onMemory("in-place"))).rejects.toThrow(
      /checkReadDuringWrite: a read while the write/,
    );
  });

  it("catches a sink that writes in place: a crash can leave a truncated target", async () => {
    await expect(checkCrashAtomicity({ create: factory("in-place") })).rejects.toThrow(
      /checkCrashAtomicity: after a crash after op \d+ .*the target reads as/,
    );
  });

  it("catches a sink that renames without fsyncing the data: a crash can leave an empty or torn target", async () => {
    const error = await checkCrashAtomicity({ create: factory("rename-without-fsync") }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ContractViolation);
    expect((error as Error).message).toMatch(/rename \/data\/\.target\.bin\./);
  });

  it("catches a durable sink that never fsyncs the directory: the rename can be lost", async () => {
    await expect(checkCrashDurability({ create: factory("no-dir-fsync") })).rejects.toThrow(
      /checkCrashDurability: fresh\.bin: write\(\) resolved on a durable sink, yet after a crash/,
    );
    await expect(checkCrashAtomicity({ create: factory("no-dir-fsync") })).rejects.toThrow(
      /the sink declares durable, but after a crash/,
    );
  });

  it("catches a sink that lets an older concurrent write land last", async () => {
    await expect(checkConcurrentWrites(onMemory("unserialized"))).rejects.toThrow(
      /checkConcurrentWrites: the later of two concurrent writes must win/,
    );
  });

  it("catches a sink that ignores short writes", async () => {
    await expect(checkFaultMatrix({ create: factory("ignore-short-write") })).rejects.toThrow(
      /short write .* write\(\) resolved but the target holds/,
    );
  });

  it("catches a sink that reports the wrong stage", async () => {
    await expect(checkFaultMatrix({ create: factory("wrong-stage") })).rejects.toThrow(
      /expected PersistenceError ERR_NO_SPACE at stage (open|sync|rename|sync-dir), got ERR_NO_SPACE at stage write/,
    );
  });

  it("catches a sink that leaves its temp file behind after a failure", async () => {
    await expect(checkFaultMatrix({ create: factory("keeps-temp") })).rejects.toThrow(
      /leftover files after the write: \.target\.bin\..*\.tmp/,
    );
  });

  it("catches a sink that leaks its temp file when a write is aborted or its source throws", async () => {
    const leaky = factory("leaks-temp-on-abort");
    // The older checks cannot see it: the content is right and fs faults are cleaned up after.
    await checkAbort(onMemory("leaks-temp-on-abort"));
    await checkSourceFailure(onMemory("leaks-temp-on-abort"));
    await checkFaultMatrix({ create: leaky });
    const error = await checkFailureCleanup({ create: leaky }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractViolation);
    expect((error as Error).message).toMatch(
      /^checkFailureCleanup: write aborted midway: leftover files after the failed write: \.abort\.bin\.\d+-[0-9a-f]+\.tmp$/,
    );
  });

  it("catches a leaked temp file after a throwing chunk source on its own", async () => {
    const abortOk = ({
      fs,
      dir,
    }: {
      fs: Parameters<typeof createReferenceFsSink>[0]["fs"];
      dir: string;
    }) => {
      const sink = createReferenceFsSink({ fs, dir, bug: "leaks-temp-on-abort" });
      return {
        ...sink,
        write: (
          target: string,
          chunks: Parameters<typeof sink.write>[1],
          options?: Parameters<typeof sink.write>[2],
        ) =>
          target === "abort.bin"
            ? createReferenceFsSink({ fs, dir }).write(target, chunks, options)
            : sink.write(target, chunks, options),
      };
    };
    await expect(checkFailureCleanup({ create: abortOk })).rejects.toThrow(
      /write with a chunk source that throws midway: leftover files after the failed write: \.source-failure\.bin\./,
    );
  });

  it("passes the failure cleanup of the correct reference sink", async () => {
    await checkFailureCleanup({ create: factory() });
  });

  it("exercises many crash states and fault cases, not a vacuous few", async () => {
    let created = 0;
    const counting = factory();
    const create = (env: Parameters<typeof counting>[0]) => {
      created += 1;
      return counting(env);
    };
    await checkCrashAtomicity({ create });
    expect(created).toBeGreaterThan(12);
    created = 0;
    await checkFaultMatrix({ create });
    // 7 codes for each of about a dozen calls, plus torn and short writes.
    expect(created).toBeGreaterThan(70);
  });

  it("passes the correct reference sink through the same checks", async () => {
    await checkReadDuringWrite(onMemory());
    await checkConcurrentWrites(onMemory());
    await checkCrashAtomicity({ create: factory() });
    await checkCrashDurability({ create: factory() });
    await checkFaultMatrix({ create: factory() });
  });
});

describe("a failing check releases the write it paused", () => {
  const followUp = (sink: ReturnType<typeof onMemory>, target: string) =>
    within(
      "follow-up",
      sink.write(target, [new Uint8Array([7])]),
      2000,
      "a write queued behind the paused one",
    );

  it("checkReadDuringWrite: a later write to the target still completes", async () => {
    const sink = onMemory("in-place");
    await expect(checkReadDuringWrite(sink)).rejects.toThrow(
      /checkReadDuringWrite: a read while the write had handed over 1 chunk/,
    );
    await expect(followUp(sink, "read-during-write.bin")).resolves.toMatchObject({ bytes: 1 });
  });

  it("checkConcurrentWrites: a later write to the target still completes", async () => {
    const sink = onMemory("in-place");
    await expect(checkConcurrentWrites(sink)).rejects.toThrow(
      /checkConcurrentWrites: a read between concurrent writes saw/,
    );
    await expect(followUp(sink, "concurrent.bin")).resolves.toMatchObject({ bytes: 1 });
  });
});
