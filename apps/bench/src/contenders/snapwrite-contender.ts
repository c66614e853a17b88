import type { Codec, Sink, WriteResult } from "@snapwrite/core";
import { withReleaseOf } from "../chunk-release-hook.js";
import type { SnapwriteModules } from "../snapwrite-modules.js";
import { stepLog } from "../step-log.js";
import type { Contender } from "./contender.js";
import { createWriterTally } from "./writer-tally.js";

/** Options of {@link createSnapwriteContender}. */
export interface SnapwriteContenderOptions {
  /** Workspace packages as loaded. */
  readonly modules: SnapwriteModules;
  /** Executor of the writer. */
  readonly executor: "inline" | "sliced";
  /** `fs`: sink-fs, durable (file + directory fsync). `memory`: sink-memory, no disk at all. */
  readonly sink: "fs" | "memory";
  /** Slice budget of the sliced executor, ms (writer default 4 when omitted). */
  readonly sliceBudgetMs?: number | undefined;
}

/**
 * snapwrite: the owner calls `request()` (O(1)); the writer snapshots, encodes through the chosen
 * executor and writes through the sink. `settle()` waits for the newest ticket, whose result covers
 * every earlier request (rule 5).
 */
export function createSnapwriteContender(options: SnapwriteContenderOptions): Contender {
  const { modules, executor, sink: sinkKind, sliceBudgetMs } = options;
  const budget = sliceBudgetMs === undefined ? "" : `-${sliceBudgetMs}ms`;
  const id = `snapwrite-${executor}${budget}-${sinkKind}`;
  const createWriter = modules.createPersistenceWriter;
  const { createFsSink, createMemorySink } = modules;
  // sink-memory refuses options it does not know, such as `dir`.
  const createSink: ((dir: string) => Sink) | undefined =
    sinkKind === "fs"
      ? createFsSink && ((dir) => createFsSink({ dir }))
      : createMemorySink && (() => createMemorySink());
  const missing = [
    createWriter ? undefined : modules.missing.createPersistenceWriter,
    createSink
      ? undefined
      : modules.missing[sinkKind === "fs" ? "createFsSink" : "createMemorySink"],
  ].filter((reason) => reason !== undefined);
  if (!createWriter || !createSink) {
    const reason = missing.join("; ");
    return {
      id,
      savesEveryChange: true,
      unavailable: reason,
      open: () => Promise.reject(new Error(reason)),
    };
  }
  return {
    id,
    savesEveryChange: true,
    async open({ dir, target, format, schedule }) {
      const codec = format.codec;
      if (!codec) throw new Error(`no snapwrite codec for ${format.name} yet`);
      const sink: Sink = createSink(dir);
      const tally = createWriterTally();
      const writer = createWriter({
        sink,
        executor,
        ...(sliceBudgetMs === undefined ? {} : { sliceBudgetMs }),
        onResult: tally.add,
      });
      let current: (() => unknown) | undefined;
      const handle = writer.register(target, {
        snapshot: () => {
          const take = current;
          if (!take) throw new Error("snapshot before the first save");
          return stepLog.time("snapshot", take);
        },
        codec: timedCodec(codec) as never,
        debounceMs: schedule?.debounceMs ?? 1000,
        maxDelayMs: schedule?.maxDelayMs ?? 10_000,
      });
      let last: Promise<WriteResult> | undefined;
      return {
        save(next, urgency) {
          current = next;
          last = handle.request("bench", { urgency }).settled;
        },
        async settle() {
          if (!last) return;
          const result = await last;
          if (!result.ok) throw result.error;
        },
        readBack: () => sink.read(target),
        reported: tally.report,
        async close() {
          await writer.close({ timeoutMs: 60_000 });
          await sink.close?.();
        },
      };
    },
  };
}

/**
 * The codec with every generator step recorded as the `"encode"` step of the owner thread. The
 * codec's chunk release hook is passed on, so sink-fs still gives pooled chunks back.
 */
function timedCodec<T>(codec: Codec<T>): Codec<T> {
  return {
    ...codec,
    name: codec.name,
    decode: (bytes) => codec.decode(bytes),
    encode(value) {
      const inner = codec.encode(value);
      return withReleaseOf(
        {
          [Symbol.iterator]() {
            const it = inner[Symbol.iterator]();
            return {
              next: () => stepLog.time("encode", () => it.next()),
              return: (v?: unknown) => it.return?.(v) ?? { done: true, value: undefined },
            } as Iterator<Uint8Array>;
          },
        },
        inner,
      );
    },
  };
}
