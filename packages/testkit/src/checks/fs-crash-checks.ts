import { createCrashableFs } from "../crashable-fs.js";
import { describeBytes, ensure, sameBytes, within } from "./assertions.js";
import { ContractViolation } from "./contract-violation.js";
import type { FsSinkCheckOptions } from "./fs-sink-options.js";
import {
  CALL_LIMIT_MS,
  closeQuietly,
  payloads,
  readVia,
  seedFiles,
  TARGET,
} from "./fs-sink-support.js";

/**
 * Crash atomicity: for every state a power loss during or after a write over existing content
 * can leave (un-synced data lost or torn, any subset of un-synced directory changes kept), the
 * target reads as the complete old or the complete new content — never empty, torn or missing.
 * For a sink declaring `durable`, every crash after `write()` resolved shows the new content.
 */
export async function checkCrashAtomicity(options: FsSinkCheckOptions): Promise<void> {
  const check = "checkCrashAtomicity";
  const dir = options.dir ?? "/data";
  const { old, next, chunks } = payloads();
  const fs = createCrashableFs({
    files: await seedFiles(check, options, dir, old),
    seed: options.seed,
    maxStates: options.maxStates,
  });
  const sink = await options.create({ fs, dir });
  const start = fs.trace.length;
  let durable: boolean;
  try {
    durable = sink.capabilities.durable;
    await within(check, sink.write(TARGET, chunks()), CALL_LIMIT_MS, "write");
  } finally {
    await closeQuietly(sink);
  }
  const end = fs.trace.length;
  const states = fs.crashStates({ from: start });
  ensure(check, states.length > 0, "no crash states were produced");
  for (const state of states) {
    const seen = await readVia(check, options.create, state.fs(), dir, TARGET, state.description);
    const isOld = seen !== undefined && sameBytes(seen, old);
    const isNew = seen !== undefined && sameBytes(seen, next);
    if (!isOld && !isNew) {
      throw new ContractViolation(
        check,
        `after a ${state.description}: the target reads as ${describeBytes(seen)}, expected the complete old ${describeBytes(old)} or new ${describeBytes(next)} content`,
      );
    }
  }
  if (!durable) return;
  // States are deduplicated across crash points, so the ones after the write are listed apart.
  for (const state of fs.crashStates({ from: end })) {
    const seen = await readVia(check, options.create, state.fs(), dir, TARGET, state.description);
    if (seen === undefined || !sameBytes(seen, next)) {
      throw new ContractViolation(
        check,
        `the sink declares durable, but after a ${state.description} (write() had resolved at op ${end}) the target reads as ${describeBytes(seen)}`,
      );
    }
  }
}

/**
 * Crash durability (sinks declaring `durable`): a new target, also one in new nested
 * directories, survives every crash after `write()` resolved.
 */
export async function checkCrashDurability(options: FsSinkCheckOptions): Promise<void> {
  const check = "checkCrashDurability";
  const dir = options.dir ?? "/data";
  const { next, chunks } = payloads();
  for (const target of ["fresh.bin", "nested/deeper/fresh.bin"]) {
    const fs = createCrashableFs({
      files: { [dir]: null },
      seed: options.seed,
      maxStates: options.maxStates,
    });
    const sink = await options.create({ fs, dir });
    try {
      if (!sink.capabilities.durable) return;
      await within(check, sink.write(target, chunks()), CALL_LIMIT_MS, "write");
    } finally {
      await closeQuietly(sink);
    }
    const end = fs.trace.length;
    for (const state of fs.crashStates({ from: end })) {
      const seen = await readVia(check, options.create, state.fs(), dir, target, state.description);
      if (seen === undefined || !sameBytes(seen, next)) {
        throw new ContractViolation(
          check,
          `${target}: write() resolved on a durable sink, yet after a ${state.description} the target reads as ${describeBytes(seen)}`,
        );
      }
    }
  }
}
