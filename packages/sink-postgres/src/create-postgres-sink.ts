import type {
  SinkCapabilities,
  SinkQuarantineOptions,
  SinkReadOptions,
  SinkWriteOptions,
  SinkWriteResult,
  TargetId,
} from "@snapwrite/core";
import type { DefinedSink } from "@snapwrite/core/sink-kit";
import { openPostgresSink, type PostgresSink } from "./postgres-sink.js";
import { checkPostgresSinkOptions, type PostgresSinkOptions } from "./postgres-sink-options.js";

/** The sink {@link createPostgresSink} returns at once; it opens in the background. */
export interface LazyPostgresSink extends DefinedSink {
  /** Resolves with the opened sink (epoch drawn, tables there), or rejects with why it could not open. */
  readonly ready: Promise<PostgresSink>;
  /** The owner epoch, once {@link LazyPostgresSink.ready} resolved; `undefined` before. */
  readonly epoch: number | undefined;
  /** Like {@link PostgresSink.quarantine}. */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
}

/**
 * The synchronous form of {@link openPostgresSink}: checks the options at once (a `TypeError` or
 * `RangeError` for bad ones), starts opening (migration, epoch drawn from the sequence) right away,
 * and returns a sink whose calls wait for that. An open that fails rejects every call with its
 * typed error (`ERR_IO` for an unreachable server, …). `capabilities` is known up front; whether a
 * write is durable is reported by each write (`durable`) and by `(await sink.ready).durability`.
 */
export function createPostgresSink(options: PostgresSinkOptions): LazyPostgresSink {
  checkPostgresSinkOptions(options);
  const ready = openPostgresSink(options);
  // Surfaced through every call; never an unhandled rejection when nobody calls.
  ready.catch(() => undefined);
  let opened: PostgresSink | undefined;
  void ready.then(
    (sink) => {
      opened = sink;
    },
    () => undefined,
  );
  const capabilities: SinkCapabilities = Object.freeze({
    atomicReplace: true,
    durable: true,
    backup: options.backup !== false,
    crossProcessLock: true,
    fencing: true,
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= ready.then(
      (sink) => sink.close(),
      () => undefined,
    );
    return closing;
  };
  return {
    capabilities,
    ready,
    get epoch() {
      return opened?.epoch;
    },
    async write(
      target: TargetId,
      chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
      writeOptions?: SinkWriteOptions,
    ): Promise<SinkWriteResult> {
      return (await ready).write(target, chunks, writeOptions);
    },
    async read(target: TargetId, readOptions?: SinkReadOptions): Promise<Uint8Array> {
      return (await ready).read(target, readOptions);
    },
    async quarantine(
      target: TargetId,
      reason: string,
      quarantineOptions?: SinkQuarantineOptions,
    ): Promise<string> {
      return (await ready).quarantine(target, reason, quarantineOptions);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
