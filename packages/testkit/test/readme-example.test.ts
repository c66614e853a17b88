// The complete example of README.md "Running the contract" (imports made relative; keep the two in sync).
import { posix } from "node:path";
import {
  assertValidTarget,
  type Codec,
  type FsPort,
  PersistenceError,
  type Sink,
  toPersistenceError,
} from "@snapwrite/core";
import {
  describeCodecContract,
  describeFsSinkContract,
  describeWriterScenarios,
} from "../src/contract.js";
import { createMemoryFs } from "../src/index.js";

// A file sink on an injectable FsPort (pass node:fs/promises in production).
function createTinyFsSink({ fs, dir }: { fs: FsPort; dir: string }): Sink {
  const queues = new Map<string, Promise<unknown>>();
  async function syncDir(path: string) {
    const handle = await fs.open(path, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  async function replace(
    target: string,
    chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
    signal?: AbortSignal,
  ) {
    const path = posix.join(dir, target);
    const parent = posix.dirname(path);
    const temp = posix.join(
      parent,
      `.${posix.basename(path)}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`,
    );
    let stage: "open" | "write" | "sync" | "rename" | "sync-dir" = "open";
    let bytes = 0;
    try {
      const created = await fs.mkdir(parent, { recursive: true });
      if (created !== undefined) {
        // new directories are durable once their parents are fsynced
        for (let d = parent; d.length >= created.length; d = posix.dirname(d))
          await syncDir(posix.dirname(d));
      }
      const handle = await fs.open(temp, "wx", 0o600);
      try {
        stage = "write";
        for await (const chunk of chunks) {
          if (signal?.aborted)
            throw new PersistenceError("ERR_ABORTED", "aborted", { stage, target });
          for (let at = 0; at < chunk.byteLength; ) {
            const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at, null);
            if (bytesWritten <= 0) throw new Error("short write");
            at += bytesWritten;
          }
          bytes += chunk.byteLength;
        }
        if (signal?.aborted)
          throw new PersistenceError("ERR_ABORTED", "aborted", { stage, target });
        stage = "sync";
        await handle.sync();
      } finally {
        await handle.close();
      }
      stage = "rename";
      await fs.rename(temp, path);
      stage = "sync-dir";
      await syncDir(parent);
      return { bytes, durable: true };
    } catch (error) {
      await fs.unlink(temp).catch(() => {});
      throw toPersistenceError(error, { stage, target });
    }
  }
  return {
    capabilities: {
      atomicReplace: true,
      durable: true,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    },
    write(target, chunks, options) {
      assertValidTarget(target);
      const run = () => replace(target, chunks, options?.signal);
      const result = (queues.get(target) ?? Promise.resolve()).then(run, run);
      queues.set(
        target,
        result.catch(() => {}),
      );
      return result;
    },
    async read(target) {
      assertValidTarget(target);
      try {
        return await fs.readFile(posix.join(dir, target));
      } catch (error) {
        throw toPersistenceError(error, { direction: "read", target });
      }
    },
  };
}

// A codec: UTF-8 lines.
const linesCodec: Codec<string[]> = {
  name: "lines",
  *encode(lines) {
    yield new TextEncoder().encode(lines.map((line) => `${line}\n`).join(""));
  },
  decode(bytes) {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      throw new PersistenceError("ERR_CORRUPT", "not UTF-8", {
        details: { offset: 0, reason: "utf-8" },
        cause: error,
      });
    }
    if (text.length > 0 && !text.endsWith("\n")) {
      throw new PersistenceError("ERR_CORRUPT", "missing final newline", {
        details: { offset: bytes.byteLength, reason: "truncated" },
      });
    }
    return text.length === 0 ? [] : text.slice(0, -1).split("\n");
  },
};

describeFsSinkContract("tiny fs sink", { create: ({ fs, dir }) => createTinyFsSink({ fs, dir }) });

describeWriterScenarios("tiny fs sink", {
  create: () => createTinyFsSink({ fs: createMemoryFs({ "/data": null }), dir: "/data" }),
});

describeCodecContract("lines codec", {
  codec: linesCodec,
  samples: [
    { value: ["a", "b"], bytes: new TextEncoder().encode("a\nb\n") },
    { value: [] },
    { value: ["ünïcödé", ""] },
  ],
  invalid: [new Uint8Array([0xff, 0x0a]), new TextEncoder().encode("no newline")],
});
