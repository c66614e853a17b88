import {
  PersistenceError,
  type SinkCapabilities,
  type SinkQuarantineOptions,
  type TargetId,
} from "@snapwrite/core";
import { type DefinedSink, defineSink } from "@snapwrite/core/sink-kit";
import pg from "pg";
import { closeWithin, openWithin } from "./close-pool.js";
import { ConnectionWaiters } from "./connection-waiters.js";
import { guardPool } from "./guard-pool.js";
import { drawEpoch, migrate, readDurability } from "./migrate.js";
import { nextGeneration } from "./next-generation.js";
import { type OwnedConnections, ownConnections } from "./owned-connections.js";
import { toSinkError } from "./pg-error.js";
import {
  checkPostgresSinkOptions,
  type PostgresDurability,
  type PostgresSinkOptions,
  type Settings,
} from "./postgres-sink-options.js";
import { quarantineHead } from "./quarantine-head.js";
import { readSnapshot } from "./read-snapshot.js";
import type { WriteContext } from "./write-context.js";
import { writeSnapshot } from "./write-snapshot.js";

/** The sink {@link openPostgresSink} resolves with. */
export interface PostgresSink extends DefinedSink {
  /** The owner epoch of this sink: the first half of its fencing token. */
  readonly epoch: number;
  /**
   * From the server's `fsync`, the write's `synchronous_commit` and `synchronous_standby_names`:
   * `"replicated"` only when a synchronous standby must confirm each commit.
   */
  readonly durability: PostgresDurability;
  /** Quarantines the primary into `<table>_quarantine` and returns `postgres:<schema>.<table>_quarantine/<id>`. */
  quarantine(target: TargetId, reason: string, options?: SinkQuarantineOptions): Promise<string>;
}

/**
 * Opens a {@link Sink} that stores snapshots in PostgreSQL: chunk rows plus a head row per target,
 * written in one transaction. The head row is published only when the stored `(epoch, generation)`
 * is not newer than the writer's, in the same statement (server-side fencing); otherwise the write
 * rejects with `ERR_STALE` and changes nothing. The epoch is drawn from a sequence here, so a
 * newly opened sink fences every older one.
 */
export async function openPostgresSink(options: PostgresSinkOptions): Promise<PostgresSink> {
  const settings = checkPostgresSinkOptions(options);
  const pool = options.pool ?? createOwnedPool(options, settings);
  const owned = options.pool === undefined ? ownConnections(pool) : undefined;
  // No connection of the pool, the pool itself included, may crash the process with an unhandled
  // "error" event (a terminated backend, a restart); a pool the application passed too. The
  // listeners come off that one at close().
  const unguard = guardPool(pool);
  try {
    const steps = async (): Promise<{ epoch: number; durability: PostgresDurability }> => {
      if (options.migrate !== false) {
        await migrate(pool, settings.names, settings.openTimeoutMs);
      }
      const epoch = options.epoch ?? (await drawEpoch(pool, settings.names));
      const durability = await readDurability(pool, options.synchronousCommit ?? "on");
      return { epoch, durability };
    };
    const { epoch, durability } = await openWithin(steps(), owned, settings.openTimeoutMs);
    return buildSink({ pool, owned, unguard, settings, epoch, durability });
  } catch (error) {
    const end = async (): Promise<void> => owned?.end();
    await closeWithin(end, owned, settings.closeTimeoutMs).catch(() => undefined);
    if (owned === undefined) unguard();
    throw toSinkError(error, { stage: "open" });
  }
}

/**
 * The pool a sink owns: a new connection the server does not answer within `connectTimeoutMs`
 * fails (the client's own timeout, so a wait for a free pooled connection stays unbounded, as
 * before), and TCP keepalive notices a server host that went away under an idle connection.
 */
function createOwnedPool(options: PostgresSinkOptions, settings: Settings): pg.Pool {
  const { connectTimeoutMs } = settings;
  class BoundedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(
        typeof config === "object"
          ? { ...config, connectionTimeoutMillis: connectTimeoutMs }
          : config,
      );
    }
  }
  return new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 4,
    Client: BoundedClient,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
}

interface Opened {
  readonly pool: pg.Pool;
  /** The connections of the pool the sink owns; `undefined` for a pool the application passed. */
  readonly owned: OwnedConnections | undefined;
  readonly unguard: () => void;
  readonly settings: Settings;
  readonly epoch: number;
  readonly durability: PostgresDurability;
}

function buildSink({ pool, owned, unguard, settings, epoch, durability }: Opened): PostgresSink {
  const durable = durability !== "none";
  const capabilities: SinkCapabilities = {
    atomicReplace: true,
    durable,
    backup: settings.keepBackup,
    crossProcessLock: true,
    fencing: true,
  };
  // Generations for writes that pass none: increasing in call order, per target.
  const lastGeneration = new Map<TargetId, number>();
  const connections = new ConnectionWaiters(pool);
  // Reads do not go through the sink's queue: close() waits for these before it ends the pool.
  const reads = new Set<Promise<unknown>>();
  const sink = defineSink({
    capabilities,
    async writeNow(target, chunks, writeOptions) {
      const generation = nextGeneration(lastGeneration, target, writeOptions.generation);
      const context: WriteContext = {
        pool: connections,
        settings,
        epoch,
        generation,
        target,
        durable,
      };
      return writeSnapshot(context, chunks, writeOptions);
    },
    readNow(target, { from }) {
      const reading = readSnapshot(connections, settings.names, target, from);
      reads.add(reading);
      const done = (): void => {
        reads.delete(reading);
      };
      reading.then(done, done);
      return reading;
    },
    // The expected version is compared in the quarantine's own transaction, under a row lock.
    checksExpected: true,
    quarantineNow: (target, reason, expectation) =>
      quarantineHead(connections, settings.names, target, reason, expectation),
    async closeNow() {
      if (owned === undefined) {
        unguard();
        return;
      }
      // pg-pool serves no call still queued for a connection once it is ending.
      await Promise.allSettled([...reads]);
      await owned.end();
    },
  });
  // Bounded: a frozen server (a query or connect without an answer) cannot hold close() forever.
  // At the deadline the calls still queued for a connection fail with ERR_CLOSED, those on a
  // destroyed connection with ERR_IO: every call settles.
  const atDeadline =
    owned === undefined
      ? undefined
      : {
          destroy(): number {
            const destroyed = owned.destroy();
            connections.fail(closedWhileWaiting);
            return destroyed;
          },
        };
  const closeSink = sink.close;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= closeWithin(closeSink, atDeadline, settings.closeTimeoutMs);
    return closing;
  };
  return Object.assign(sink, {
    epoch,
    durability,
    close,
    [Symbol.asyncDispose]: close,
  }) as PostgresSink;
}

function closedWhileWaiting(): PersistenceError {
  return new PersistenceError(
    "ERR_CLOSED",
    "the sink closed (close() reached closeTimeoutMs and destroyed its connections) while this call waited for a free connection",
  );
}
