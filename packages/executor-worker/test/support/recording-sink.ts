import type { Sink, SinkWriteOptions, SinkWriteResult } from "@snapwrite/core";

/** An in-memory sink that records every `write()` call, for tests that check it is not used. */
export class RecordingSink implements Sink {
  readonly capabilities = {
    atomicReplace: true,
    durable: false,
    backup: false,
    crossProcessLock: false,
    fencing: false,
  };
  /** Targets passed to `write()`, in call order. */
  readonly calls: string[] = [];
  readonly files = new Map<string, Uint8Array>();

  async write(
    target: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    _options?: SinkWriteOptions,
  ): Promise<SinkWriteResult> {
    this.calls.push(target);
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    const bytes = Buffer.concat(parts);
    this.files.set(target, bytes);
    return { bytes: bytes.byteLength, durable: false };
  }

  async read(target: string): Promise<Uint8Array> {
    const bytes = this.files.get(target);
    if (bytes === undefined) throw new Error(`no ${target}`);
    return bytes;
  }
}
