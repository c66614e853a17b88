import { parentPort, workerData } from "node:worker_threads";
import {
  type Codec,
  createInlineExecutor,
  PersistenceError,
  runWriteAttempt,
  type Sink,
} from "@snapwrite/core";
import { forEachFrame } from "./patch-batch.js";
import { deadThreadsOf, sweepDeadThreads } from "./sweep-dead-threads.js";
import {
  type OwnerMessage,
  type PatchSegment,
  REPLICA_PROTOCOL_VERSION,
  type ReplicaWorkerData,
  type SerializedError,
  serializeError,
  serializeUnknown,
  type WorkerMessage,
} from "./worker-protocol.js";

/**
 * The worker-side copy of a target's state. It lives in the worker thread only; the owner feeds it
 * with patches through `WorkerReplica.patch`.
 */
export interface Replica<P> {
  /**
   * Applies one patch, in the order the owner posted them. Never called while an `encode()` is
   * being consumed (patches that arrive meanwhile wait). A throw is fatal: the worker exits and the
   * replica counts as lost (see `resync` of `createWorkerReplica`).
   */
  apply(patch: P): void;
  /**
   * Applies one binary patch posted with `WorkerReplica.patchBytes(tag, bytes)`, in the same order
   * as the object patches. `payload` is a view into a buffer shared with the other patches of its
   * message: copy what you keep. Needed only when the owner posts binary patches; without it such a
   * patch is fatal like a throwing `apply` (the replica is lost).
   */
  applyBytes?(tag: number, payload: Uint8Array): void;
  /**
   * Encodes the current state as chunks (the same rules as {@link Codec.encode}: each yielded chunk
   * is handed over). What it throws becomes `ERR_ENCODE` at stage `encode`.
   */
  encode(): Iterable<Uint8Array>;
}

/** What a worker module hands to {@link serveReplica}. `O` is the `options` of the replica. */
export interface ReplicaWorkerDefinition<P, O = unknown> {
  /** Name used in error messages, like a codec's name. Default `"replica"`. */
  readonly name?: string | undefined;
  /** Builds the empty (or self-loaded) replica from the owner's `options`. */
  createReplica(options: O): Replica<P> | Promise<Replica<P>>;
  /** Builds the sink the worker writes to (for example `createFsSink`), from the same `options`. */
  createSink(options: O): Sink | Promise<Sink>;
}

let served = false;

function applySegments<P>(replica: Replica<P>, segments: readonly PatchSegment[]): void {
  for (const segment of segments) {
    if (segment.kind === "objects") {
      for (const patch of segment.patches) replica.apply(patch as P);
      continue;
    }
    const applyBytes = replica.applyBytes;
    if (typeof applyBytes !== "function") {
      throw new TypeError("the owner posted binary patches, but the replica has no applyBytes()");
    }
    forEachFrame(segment.buffer, segment.length, (tag, payload) => {
      applyBytes.call(replica, tag, payload);
    });
  }
}

function replicaWorkerData(): ReplicaWorkerData | undefined {
  const data = (workerData as { snapwriteReplica?: ReplicaWorkerData } | null | undefined)
    ?.snapwriteReplica;
  return typeof data === "object" && data !== null ? data : undefined;
}

/**
 * Serves a replica in a worker thread started by `createWorkerReplica`: call it once at the top
 * level of the worker module. It builds the replica and the sink, applies the owner's patches in
 * order, and answers each write by encoding the replica and streaming it to the sink. Returns
 * `false` (and does nothing) when the module is not running in such a worker, so the module can
 * also be imported elsewhere. `TypeError` for a bad definition or a second call in one worker.
 */
export function serveReplica<P, O = unknown>(definition: ReplicaWorkerDefinition<P, O>): boolean {
  if (
    typeof definition !== "object" ||
    definition === null ||
    typeof definition.createReplica !== "function" ||
    typeof definition.createSink !== "function"
  ) {
    throw new TypeError("serveReplica needs { createReplica(options), createSink(options) }");
  }
  const data = replicaWorkerData();
  if (parentPort === null || data === undefined) return false;
  if (served) throw new TypeError("serveReplica() may be called once per worker");
  served = true;
  const port = parentPort;
  const send = (message: WorkerMessage): void => port.postMessage(message);
  if (data.protocol !== REPLICA_PROTOCOL_VERSION) {
    send({
      type: "init-failed",
      error: serializeError(
        new PersistenceError(
          "ERR_SNAPSHOT",
          `replica worker speaks protocol ${REPLICA_PROTOCOL_VERSION}, owner ${data.protocol}: use one version of @snapwrite/executor-worker`,
          { stage: "snapshot" },
        ),
      ),
    });
    port.close();
    return true;
  }
  const name = definition.name ?? "replica";
  const options = data.options as O;
  const executor = createInlineExecutor();
  const queue: OwnerMessage[] = [];
  let head = 0;
  let busy = true;
  let replica: Replica<P> | undefined;
  let sink: Sink | undefined;
  let codec: Codec<Replica<P>> | undefined;
  let current: { readonly id: number; readonly controller: AbortController } | undefined;

  port.on("message", (message: OwnerMessage) => {
    if (message.type === "abort") {
      if (current?.id === message.id) {
        current.controller.abort(
          new PersistenceError("ERR_ABORTED", "write aborted by the owner (close deadline)"),
        );
      }
      return;
    }
    queue.push(message);
    if (!busy) void drain();
  });

  async function drain(): Promise<void> {
    busy = true;
    while (head < queue.length) {
      const message = queue[head] as OwnerMessage;
      queue[head] = undefined as unknown as OwnerMessage;
      head++;
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      if (message.type === "patches") {
        // A throwing apply() leaves the replica in an unknown state: let it crash the worker (an
        // uncaught exception), so the owner treats the replica as lost instead of writing it.
        applySegments(replica as Replica<P>, message.segments);
      } else if (message.type === "write") {
        const controller = new AbortController();
        current = { id: message.id, controller };
        const outcome = await runWriteAttempt({
          target: message.target,
          generation: message.generation,
          snapshot: () => replica as Replica<P>,
          codec: codec as Codec<Replica<P>>,
          executor,
          sink: sink as Sink,
          signal: controller.signal,
        });
        current = undefined;
        if (outcome.ok) {
          send({
            type: "written",
            id: message.id,
            ok: true,
            bytes: outcome.bytes,
            durable: outcome.durable,
            timings: outcome.timings,
          });
        } else {
          send({
            type: "written",
            id: message.id,
            ok: false,
            error: serializeError(outcome.error),
            timings: outcome.timings,
          });
        }
      } else if (message.type === "close") {
        try {
          await sink?.close?.();
        } catch {
          // The owner is going away; a sink that fails to release has nothing left to report to.
        }
        send({ type: "closed" });
        port.close();
        return;
      }
    }
    busy = false;
  }

  void (async () => {
    let failure: SerializedError | undefined;
    try {
      replica = await definition.createReplica(options);
      if (
        typeof replica !== "object" ||
        replica === null ||
        typeof replica.apply !== "function" ||
        typeof replica.encode !== "function" ||
        (replica.applyBytes !== undefined && typeof replica.applyBytes !== "function")
      ) {
        throw new TypeError(
          "createReplica() must return { apply(patch), encode(), applyBytes?() }",
        );
      }
      sink = await definition.createSink(options);
      if (typeof sink !== "object" || sink === null || typeof sink.write !== "function") {
        throw new TypeError("createSink() must return a Sink");
      }
    } catch (error) {
      failure = serializeUnknown(
        error,
        "ERR_SNAPSHOT",
        "snapshot",
        `replica worker ${JSON.stringify(name)} failed to start`,
      );
    }
    if (failure !== undefined) {
      send({ type: "init-failed", error: failure });
      port.close();
      return;
    }
    const encodeReplica = (value: Replica<P>): Iterable<Uint8Array> => value.encode();
    codec = {
      name,
      encode: encodeReplica,
      decode: () => {
        throw new TypeError("a replica codec only encodes");
      },
    };
    send({ type: "ready", protocol: REPLICA_PROTOCOL_VERSION });
    // Before the first write: the partial files of earlier workers that died mid-write go first.
    await sweepDeadThreads(sink as Sink, deadThreadsOf(data.deadThreads));
    await drain();
  })();
  return true;
}
