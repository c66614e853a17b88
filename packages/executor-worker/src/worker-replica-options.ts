import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ResourceLimits, WorkerOptions } from "node:worker_threads";
import {
  assertKnownNestedOptions,
  assertKnownOptions,
  assertNonEmptyString,
  MAX_TIMER_MS,
  optionEntry,
  resolveOptionValues,
} from "@snapwrite/core/sink-kit";
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

function toModuleUrl(module: string | URL, caller: string): URL | string {
  if (
    (typeof module === "string" && module.length === 0) ||
    (!(module instanceof URL) && typeof module !== "string")
  ) {
    throw new TypeError(
      `${caller}: module must be a file URL or an absolute path of the worker module`,
    );
  }
  const url = module instanceof URL || module.startsWith("file:") ? new URL(module) : module;
  // A missing module would only show as a worker that exits at once, again at every retry.
  const path =
    url instanceof URL ? (url.protocol === "file:" ? fileURLToPath(url) : undefined) : url;
  if (path !== undefined) {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) {
      throw new TypeError(`${caller}: the worker module ${JSON.stringify(path)} does not exist`);
    }
    // A directory would only fail in each worker it starts (Node imports no directory).
    if (!stats.isFile()) {
      throw new TypeError(`${caller}: the worker module ${JSON.stringify(path)} is not a file`);
    }
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
  // Only a left-out limit takes the default: `null` is no number, and the check says so.
  const own = limits.maxYoungGenerationSizeMb;
  return { ...limits, maxYoungGenerationSizeMb: own === undefined ? young : own };
}

/**
 * `resourceLimits` with the young generation's default applied: each limit given must be a finite
 * number `>= 0` (`0` leaves V8's own sizing), checked through core's `resolvePolicy`. Throws
 * `TypeError` (`null` too) / `RangeError`.
 */
function resolveResourceLimits(
  resourceLimits: ResourceLimits | undefined,
  caller: string,
): ResourceLimits {
  const limits = withYoungGeneration(resourceLimits, DEFAULT_YOUNG_GENERATION_MB);
  if (typeof limits !== "object" || limits === null) {
    throw new TypeError(`${caller}: resourceLimits must be an object`);
  }
  const given = RESOURCE_LIMIT_KEYS.filter((key) => limits[key] !== undefined);
  const spec = Object.fromEntries(
    given.map((key) => [`resourceLimits.${key}`, optionEntry(limits[key], 0, { min: 0 })]),
  );
  resolveOptionValues(caller, spec);
  return limits;
}

/**
 * The replica's numbers through core's `resolvePolicy` (no environment variables), with their
 * defaults: `abortGraceMs` finite `>= 0` (a `LongTimer` waits for it, so it may exceed a timer's
 * limit), `batchDelayMs` `0..MAX_TIMER_MS` (a plain timer waits for it: Node would fire a longer
 * one after 1 ms), `batchBytes` an integer `>= 1`. Only a left-out option takes its default.
 */
function resolveReplicaNumbers(options: WorkerReplicaOptions<unknown, unknown>, caller: string) {
  return resolveOptionValues(caller, {
    abortGraceMs: optionEntry(options.abortGraceMs, 1000, { min: 0 }),
    batchDelayMs: optionEntry(options.batchDelayMs, 50, { min: 0, max: MAX_TIMER_MS }),
    batchBytes: optionEntry(options.batchBytes, 256 * 1024, { min: 1, integer: true }),
  });
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

/**
 * Checks the options of `createWorkerReplica`; throws `TypeError`/`RangeError` whose messages name
 * `caller`, the factory the user called (`createStoreReplica` checks what it hands on). Internal.
 */
export function resolveReplicaOptions<P, O>(
  replicaOptions: WorkerReplicaOptions<P, O>,
  caller = "createWorkerReplica",
): ResolvedReplicaOptions<P> {
  if (typeof replicaOptions !== "object" || replicaOptions === null) {
    throw new TypeError(`${caller} needs an options object`);
  }
  assertKnownReplicaKeys(caller, replicaOptions, REPLICA_OPTION_KEYS);
  const moduleUrl = toModuleUrl(replicaOptions.module, caller);
  const { resync, resourceLimits } = replicaOptions;
  if (resync !== undefined && typeof resync !== "function") {
    throw new TypeError(`${caller}: resync must be a function`);
  }
  const name = replicaOptions.name === undefined ? "snapwrite-replica" : replicaOptions.name;
  // A thread name given must be a non-empty string (`null` too is refused, not defaulted).
  assertNonEmptyString(name, `${caller}: name`);
  const limits = resolveResourceLimits(resourceLimits, caller);
  const { abortGraceMs, batchDelayMs, batchBytes } = resolveReplicaNumbers(
    replicaOptions as WorkerReplicaOptions<unknown, unknown>,
    caller,
  );
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
