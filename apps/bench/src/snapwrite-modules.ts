import type { Codec, Sink, WriteResult } from "@snapwrite/core";
import { importLoose } from "./import-loose.js";

/** The parts of a registered target's handle the bench drives (docs/architecture.md#contracts). */
export interface BenchTargetHandle {
  request(
    reason: string,
    options?: { urgency?: "debounced" | "immediate" },
  ): { readonly generation: number; readonly settled: Promise<WriteResult> };
  saveNow(reason: string): Promise<WriteResult>;
}

/** The parts of the writer the bench drives (docs/architecture.md#contracts). */
export interface BenchWriter {
  register<T>(
    target: string,
    options: {
      snapshot: () => T;
      codec: Codec<T>;
      debounceMs?: number;
      maxDelayMs?: number;
      shutdown?: "flush" | "skip";
    },
  ): BenchTargetHandle;
  register(
    target: string,
    options: {
      runner: BenchWorkerReplica;
      debounceMs?: number;
      maxDelayMs?: number;
      shutdown?: "flush" | "skip";
    },
  ): BenchTargetHandle;
  close(options?: { timeoutMs?: number }): Promise<unknown>;
}

/** The parts of a worker replica the bench drives (`createWorkerReplica` of `@snapwrite/executor-worker`). */
export interface BenchWorkerReplica {
  patch(patch: unknown, transfer?: readonly ArrayBuffer[]): void;
  /** Binary patches, batched and transferred (absent in older builds). */
  patchBytes?(tag: number, bytes: Uint8Array): void;
  run(input: unknown): Promise<unknown>;
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/** Options the bench passes to `createWorkerReplica`. */
export interface BenchWorkerReplicaOptions {
  readonly module: URL;
  readonly options: unknown;
  readonly resync?: (fresh: BenchWorkerReplica) => void;
}

/** Options the bench passes to `createPersistenceWriter`. */
export interface BenchWriterOptions {
  /** Left out when every target has a runner (a worker replica). */
  readonly sink?: Sink;
  readonly executor?: "inline" | "sliced";
  /** Writes in flight at most (a newer core option; an older core ignores it). */
  readonly concurrency?: number;
  readonly sliceBudgetMs?: number;
  readonly onResult?: (result: WriteResult) => void;
}

/** Fields the bench passes to `createKnownFileRecord`. */
export interface KnownFileRecordInput {
  readonly name: string;
  readonly size: number;
  readonly mtime: number;
  readonly hash: Uint8Array;
  readonly partHashes: readonly Uint8Array[];
  readonly aichHash?: Uint8Array;
  readonly requests?: number;
  readonly accepted?: number;
  readonly transferred?: number;
  readonly priority?: number;
  readonly lastShared?: number;
}

/** The known.met value shape of `@snapwrite/formats-met` as far as the bench needs it. */
export interface KnownMetValue {
  readonly header: number | "auto";
  readonly records: readonly unknown[];
}

/**
 * What the bench found in the workspace packages. Each member is `undefined` when the package does
 * not export it (yet): the bench then reports the contenders that need it as "not available".
 */
export interface SnapwriteModules {
  readonly createPersistenceWriter: ((options: BenchWriterOptions) => BenchWriter) | undefined;
  readonly createWorkerReplica:
    | ((options: BenchWorkerReplicaOptions) => BenchWorkerReplica)
    | undefined;
  readonly createJsonCodec: (<T>(options?: object) => Codec<T>) | undefined;
  readonly knownMetCodec: Codec<KnownMetValue> | undefined;
  readonly createKnownFileRecord:
    | ((input: KnownFileRecordInput, options: { flavor: "emule" | "amule" }) => unknown)
    | undefined;
  readonly createFsSink: ((options: { dir: string }) => Sink) | undefined;
  readonly createMemorySink: ((options?: object) => Sink) | undefined;
  readonly loadTarget:
    | (<T>(sink: Sink, target: string, codec: Codec<T>) => Promise<{ readonly ok: boolean }>)
    | undefined;
  /**
   * Exported `create…Replica` factories other than core's `createWorkerReplica` and formats-met's
   * `createKnownMetReplica`: a generic keyed/JSON replica, when a package has one.
   */
  readonly genericReplicaExports: readonly string[];
  /** Why a member is missing, by member name, for the report. */
  readonly missing: Readonly<Record<string, string>>;
}

/**
 * Imports the workspace packages dynamically — after the fs counters are installed — and picks
 * the exports the bench uses, checking their runtime type rather than trusting the declarations.
 */
export async function loadSnapwriteModules(): Promise<SnapwriteModules> {
  const missing: Record<string, string> = {};
  const pick = <F>(
    mod: Record<string, unknown> | string,
    pkg: string,
    name: string,
    kind: "function" | "object",
  ): F | undefined => {
    if (typeof mod === "string") {
      missing[name] = `${pkg} failed to load: ${mod}`;
      return undefined;
    }
    const value = mod[name];
    if (typeof value !== kind || value === null) {
      missing[name] = `${pkg} does not export ${name} yet`;
      return undefined;
    }
    return value as F;
  };
  const core = await importLoose("@snapwrite/core");
  const executorWorker = await importLoose("@snapwrite/executor-worker");
  const json = await importLoose("@snapwrite/formats-json");
  const met = await importLoose("@snapwrite/formats-met");
  const fsSink = await importLoose("@snapwrite/sink-fs");
  const memorySink = await importLoose("@snapwrite/sink-memory");
  const store = await importLoose("@snapwrite/store");
  // A generic replica: a worker-side state for any keyed/JSON state, fed by the store's op stream
  // (`createKeyedReplicaState` of @snapwrite/store with `createStoreReplica` of executor-worker).
  const genericReplicaExports: string[] = [];
  for (const [pkg, mod] of [
    ["@snapwrite/core", core],
    ["@snapwrite/formats-json", json],
    ["@snapwrite/formats-met", met],
    ["@snapwrite/store", store],
  ] as const) {
    if (typeof mod === "string") continue;
    for (const [name, value] of Object.entries(mod)) {
      if (
        typeof value === "function" &&
        /^create\w*Replica(State)?$/.test(name) &&
        name !== "createWorkerReplica" &&
        name !== "createKnownMetReplica"
      ) {
        genericReplicaExports.push(`${pkg} ${name}`);
      }
    }
  }
  return {
    genericReplicaExports,
    createPersistenceWriter: pick(core, "@snapwrite/core", "createPersistenceWriter", "function"),
    createWorkerReplica: pick(
      executorWorker,
      "@snapwrite/executor-worker",
      "createWorkerReplica",
      "function",
    ),
    createJsonCodec: pick(json, "@snapwrite/formats-json", "createJsonCodec", "function"),
    knownMetCodec: pick(met, "@snapwrite/formats-met", "knownMetCodec", "object"),
    createKnownFileRecord: pick(met, "@snapwrite/formats-met", "createKnownFileRecord", "function"),
    createFsSink: pick(fsSink, "@snapwrite/sink-fs", "createFsSink", "function"),
    createMemorySink: pick(memorySink, "@snapwrite/sink-memory", "createMemorySink", "function"),
    loadTarget: pick(core, "@snapwrite/core", "loadTarget", "function"),
    missing,
  };
}
