import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ResourceLimits, WorkerOptions } from "node:worker_threads";
import { assertKnownNestedOptions, assertKnownOptions } from "@snapwrite/core/sink-kit";
import { REPLICA_PROTOCOL_VERSION, type ReplicaWorkerData } from "./worker-protocol.js";
import type { WorkerReplica, WorkerReplicaOptions } from "./worker-replica-types.js";

/** {@link WorkerReplicaOptions} checked, with their defaults applied. Internal. */
export interface ResolvedReplicaOptions<P> {
  readonly moduleUrl: URL | string;
  readonly resync: ((replica: WorkerReplica<P>) => void) | undefined;
  readonly name: string;
  readonly abortGraceMs: number;
  readonly batchDelayMs: number;
  readonly batchBytes: number;
  /**
   * Handed to `new Worker` (with `workerData` made from {@link replicaData} at each start);
   * `execArgv` is emptied when an inherited flag is refused.
   */
  readonly workerOptions: WorkerOptions & { execArgv: string[] | undefined };
  /** The `workerData.snapwriteReplica` of every worker, but its `deadThreads`. */
  readonly replicaData: ReplicaWorkerData;
}

function toModuleUrl(module: string | URL): URL | string {
  if (typeof module === "string" && module.length === 0) {
    throw new TypeError("module must be a file URL or an absolute path of the worker module");
  }
  if (!(module instanceof URL) && typeof module !== "string") {
    throw new TypeError("module must be a file URL or an absolute path of the worker module");
  }
  const url = module instanceof URL || module.startsWith("file:") ? new URL(module) : module;
  // A missing module would only show as a worker that exits at once, again at every retry.
  const path =
    url instanceof URL ? (url.protocol === "file:" ? fileURLToPath(url) : undefined) : url;
  if (path !== undefined && !existsSync(path)) {
    throw new TypeError(`the worker module ${JSON.stringify(path)} does not exist`);
  }
  return url;
}

/**
 * Default `resourceLimits.maxYoungGenerationSizeMb` of a replica worker, in MiB: V8 then keeps its
 * young generation at its smallest (semi-spaces of 1 MiB; by default they grow to 16 MiB). A replica
 * that keeps its state in typed arrays makes little garbage per patch and per save, and a large
 * young generation only lets that garbage pile up before it is collected.
 */
export const DEFAULT_YOUNG_GENERATION_MB = 3;

/**
 * `limits` with `maxYoungGenerationSizeMb` set to `young` when it has none. Anything but an object
 * or `undefined` is returned as it is, for the options check to refuse. Internal.
 */
export function withYoungGeneration(
  limits: ResourceLimits | undefined,
  young: number,
): ResourceLimits | undefined {
  if (limits === undefined) return { maxYoungGenerationSizeMb: young };
  if (typeof limits !== "object" || limits === null) return limits;
  return { ...limits, maxYoungGenerationSizeMb: limits.maxYoungGenerationSizeMb ?? young };
}

/**
 * `resourceLimits` with the young generation's default applied: `maxYoungGenerationSizeMb` must be
 * a finite number `>= 0` (`0` leaves V8's own sizing). Throws `TypeError`/`RangeError`.
 */
function resolveResourceLimits(resourceLimits: ResourceLimits | undefined): ResourceLimits {
  const limits = withYoungGeneration(resourceLimits, DEFAULT_YOUNG_GENERATION_MB);
  if (typeof limits !== "object" || limits === null) {
    throw new TypeError("resourceLimits must be an object");
  }
  const young = limits.maxYoungGenerationSizeMb;
  if (typeof young !== "number") {
    throw new TypeError("resourceLimits.maxYoungGenerationSizeMb must be a number");
  }
  if (!Number.isFinite(young) || young < 0) {
    throw new RangeError(
      `resourceLimits.maxYoungGenerationSizeMb must be a finite number >= 0, got ${young}`,
    );
  }
  return limits;
}

function finiteMs(value: number, key: string): number {
  if (typeof value !== "number") throw new TypeError(`${key} must be a number`);
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${key} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/** The keys of {@link WorkerReplicaOptions}. Internal. */
export const REPLICA_OPTION_KEYS = [
  "module",
  "options",
  "name",
  "resourceLimits",
  "resync",
  "abortGraceMs",
  "batchDelayMs",
  "batchBytes",
] as const satisfies readonly (keyof WorkerReplicaOptions<unknown>)[];

/** The keys of Node's `ResourceLimits` that a worker takes. */
const RESOURCE_LIMIT_KEYS = [
  "maxYoungGenerationSizeMb",
  "maxOldGenerationSizeMb",
  "codeRangeSizeMb",
  "stackSizeMb",
] as const satisfies readonly (keyof ResourceLimits)[];

/**
 * Refuses a key the options (or their `resourceLimits`) do not have, with a `TypeError` naming it:
 * a typo such as `batchDelayMS` would keep the default, and an unknown resource limit would be
 * ignored by the worker. `known`: the keys `caller` takes. Internal.
 */
export function assertKnownReplicaKeys(
  caller: string,
  options: object,
  known: readonly string[],
): void {
  assertKnownOptions(caller, options, known);
  assertKnownNestedOptions(caller, options, { resourceLimits: RESOURCE_LIMIT_KEYS });
}

/** Checks the options of `createWorkerReplica`; throws `TypeError`/`RangeError`. Internal. */
export function resolveReplicaOptions<P, O>(
  replicaOptions: WorkerReplicaOptions<P, O>,
): ResolvedReplicaOptions<P> {
  if (typeof replicaOptions !== "object" || replicaOptions === null) {
    throw new TypeError("createWorkerReplica needs an options object");
  }
  assertKnownReplicaKeys("createWorkerReplica", replicaOptions, REPLICA_OPTION_KEYS);
  const moduleUrl = toModuleUrl(replicaOptions.module);
  const { resync, resourceLimits } = replicaOptions;
  if (resync !== undefined && typeof resync !== "function") {
    throw new TypeError("resync must be a function");
  }
  const name = replicaOptions.name ?? "snapwrite-replica";
  if (typeof name !== "string") throw new TypeError("name must be a string");
  const limits = resolveResourceLimits(resourceLimits);
  const abortGraceMs = finiteMs(replicaOptions.abortGraceMs ?? 1000, "abortGraceMs");
  const batchDelayMs = finiteMs(replicaOptions.batchDelayMs ?? 50, "batchDelayMs");
  const batchBytes = replicaOptions.batchBytes ?? 256 * 1024;
  if (typeof batchBytes !== "number") throw new TypeError("batchBytes must be a number");
  if (!Number.isInteger(batchBytes) || batchBytes < 1) {
    throw new RangeError(`batchBytes must be an integer >= 1, got ${batchBytes}`);
  }
  // Workers inherit the process's flags; `--input-type` (from `node -e`) would break loading the
  // module. Only a list passed explicitly is checked for per-process flags, so pass one only then.
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith("--input-type"));
  const workerOptions = {
    name,
    execArgv: execArgv.length === process.execArgv.length ? undefined : execArgv,
    resourceLimits: limits,
  };
  const replicaData = { protocol: REPLICA_PROTOCOL_VERSION, options: replicaOptions.options };
  return {
    moduleUrl,
    resync,
    name,
    abortGraceMs,
    batchDelayMs,
    batchBytes,
    workerOptions,
    replicaData,
  };
}
