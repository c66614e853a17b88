import type { Sink } from "@snapwrite/core";
import { describe, it } from "vitest";
import {
  checkAbort,
  checkBackup,
  checkConcurrentWrites,
  checkEmptyPayload,
  checkFencing,
  checkInvalidTargets,
  checkLargePayload,
  checkNotFound,
  checkOverwrite,
  checkQuarantine,
  checkQuarantineExpected,
  checkReadDuringWrite,
  checkRoundTrip,
  checkSourceFailure,
  type LargePayloadOptions,
} from "../checks/sink-checks.js";
import { assertSuiteArguments, SINK_SUITE_OPTIONS } from "./suite-arguments.js";

/** Options of {@link describeSinkContract} and its groups. */
export interface SinkContractOptions {
  /** Returns a fresh, empty sink; called for every test. */
  readonly create: () => Sink | Promise<Sink>;
  /** Disposes of a sink after its test. Default: `sink.close?.()`. */
  readonly destroy?: ((sink: Sink) => void | Promise<void>) | undefined;
  /** Size of the large-payload test. Default 8 MiB in 64 KiB chunks. */
  readonly largePayload?: LargePayloadOptions | undefined;
  /** Per-test timeout in ms. Default 30 000. */
  readonly timeoutMs?: number | undefined;
}

interface Probe {
  readonly backup: boolean;
  readonly fencing: boolean;
  readonly quarantine: boolean;
}

async function probe(options: SinkContractOptions): Promise<Probe> {
  const sink = await options.create();
  try {
    return {
      backup: sink.capabilities.backup,
      fencing: sink.capabilities.fencing,
      quarantine: typeof sink.quarantine === "function",
    };
  } finally {
    await dispose(options, sink);
  }
}

async function dispose(options: SinkContractOptions, sink: Sink): Promise<void> {
  if (options.destroy !== undefined) await options.destroy(sink);
  else await sink.close?.();
}

function test(
  options: SinkContractOptions,
  name: string,
  run: (sink: Sink) => Promise<void>,
  skip = false,
) {
  it.skipIf(skip)(
    name,
    async () => {
      const sink = await options.create();
      try {
        await run(sink);
      } finally {
        await dispose(options, sink);
      }
    },
    options.timeoutMs ?? 30_000,
  );
}

/** Round trip: arrays, generators and async generators of chunks read back unchanged. */
export function describeSinkRoundTrip(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkRoundTrip", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: round trip`, () => {
    test(options, "reads back exactly what was written, from any chunk source", checkRoundTrip);
  });
}

/** Overwrite: new content replaces the old completely, shorter or longer. */
export function describeSinkOverwrite(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkOverwrite", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: overwrite`, () => {
    test(options, "replaces the whole previous content", checkOverwrite);
  });
}

/** Empty and large payloads. */
export function describeSinkPayloads(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkPayloads", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: payload sizes`, () => {
    test(options, "stores empty payloads", checkEmptyPayload);
    test(options, "stores a many-MiB payload written in many chunks", (sink) =>
      checkLargePayload(sink, options.largePayload),
    );
  });
}

/** Missing targets read as `ERR_NOT_FOUND`. */
export function describeSinkNotFound(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkNotFound", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: missing targets`, () => {
    test(options, "rejects reads of a missing target with ERR_NOT_FOUND", checkNotFound);
  });
}

/** Invalid targets are refused with `ERR_INVALID_TARGET`. */
export function describeSinkInvalidTargets(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkInvalidTargets", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: invalid targets`, () => {
    test(
      options,
      "refuses ../x, absolute, NUL and empty targets with ERR_INVALID_TARGET",
      checkInvalidTargets,
    );
  });
}

/** Atomicity through the interface: failing sources, aborts, reads during a write. */
export function describeSinkAtomicity(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkAtomicity", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: atomicity`, () => {
    test(options, "keeps the old content when the chunk source throws midway", checkSourceFailure);
    test(options, "keeps the old content when the write is aborted", checkAbort);
    test(
      options,
      "never lets a read see partial content while a write is in progress",
      checkReadDuringWrite,
    );
  });
}

/** Concurrent writes to one target: serialized, last call wins, never a mix. */
export function describeSinkConcurrency(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkConcurrency", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: concurrent writes`, () => {
    test(
      options,
      "serializes writes to one target and lets the last call win",
      checkConcurrentWrites,
    );
  });
}

/** Backup, when the sink declares `capabilities.backup` (skipped visibly otherwise). */
export function describeSinkBackup(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkBackup", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: backup`, async () => {
    const found = await probe(options);
    test(
      options,
      "keeps the previous version readable with { from: 'backup' }",
      checkBackup,
      !found.backup,
    );
  });
}

/** Quarantine, when the sink has `quarantine()` (skipped visibly otherwise). */
export function describeSinkQuarantine(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkQuarantine", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: quarantine`, async () => {
    const found = await probe(options);
    test(
      options,
      "moves a target aside so it reads as missing",
      checkQuarantine,
      !found.quarantine,
    );
    test(
      options,
      "moves only the expected version, never one written since it was read (ERR_STALE)",
      checkQuarantineExpected,
      !found.quarantine,
    );
  });
}

/** Fencing, when the sink declares `capabilities.fencing` (skipped visibly otherwise). */
export function describeSinkFencing(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkFencing", label, options, SINK_SUITE_OPTIONS);
  describe(`${label}: fencing`, async () => {
    const found = await probe(options);
    test(
      options,
      "refuses an older generation with ERR_STALE and keeps the stored bytes",
      checkFencing,
      !found.fencing,
    );
  });
}

/**
 * The whole sink contract (docs/architecture.md#sinks-and-the-write-protocol): round trip, overwrite, empty and large payloads,
 * `ERR_NOT_FOUND`, `ERR_INVALID_TARGET`, atomicity (failing source, abort, reads during a write),
 * concurrent writes, and backup, quarantine and fencing when the sink declares them.
 */
export function describeSinkContract(label: string, options: SinkContractOptions): void {
  assertSuiteArguments("describeSinkContract", label, options, SINK_SUITE_OPTIONS);
  describeSinkRoundTrip(label, options);
  describeSinkOverwrite(label, options);
  describeSinkPayloads(label, options);
  describeSinkNotFound(label, options);
  describeSinkInvalidTargets(label, options);
  describeSinkAtomicity(label, options);
  describeSinkConcurrency(label, options);
  describeSinkBackup(label, options);
  describeSinkQuarantine(label, options);
  describeSinkFencing(label, options);
}
