/** Where the sink's tables live: a schema and a name prefix. */
export interface PostgresNames {
  /** Schema of the tables and sequences. Default `"public"`. */
  readonly schema?: string | undefined;
  /** Prefix of every table and sequence name. Default `"snapwrite"`. */
  readonly table?: string | undefined;
}

/** The quoted, schema-qualified names of one sink's tables and sequences. */
export interface ResolvedNames {
  readonly schema: string;
  readonly table: string;
  /** `"schema"."<table>_head"`: one row per target, the fence and the pointer to its chunks. */
  readonly head: string;
  /** `"schema"."<table>_chunk"`: immutable chunk rows, keyed by (version, seq). */
  readonly chunk: string;
  /** `"schema"."<table>_chunk_target"`: the index of chunk rows by target. */
  readonly chunkIndex: string;
  /** `"schema"."<table>_quarantine"`: versions moved aside by `quarantine()`. */
  readonly quarantine: string;
  /** `"schema"."<table>_epoch"`: the sequence each sink draws its owner epoch from. */
  readonly epochSeq: string;
  /** `"schema"."<table>_version"`: the sequence each write attempt draws its version from. */
  readonly versionSeq: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/**
 * Checks and quotes the names; a name outside `[A-Za-z_][A-Za-z0-9_]{0,39}` (`null` too: only
 * `undefined` means the default), or a schema starting with `pg_` (reserved by the server), is a
 * `TypeError`.
 */
export function resolveNames(names: PostgresNames = {}): ResolvedNames {
  const schema = names.schema === undefined ? "public" : names.schema;
  const table = names.table === undefined ? "snapwrite" : names.table;
  for (const [option, value] of [
    ["schema", schema],
    ["table", table],
  ] as const) {
    if (typeof value !== "string" || !NAME.test(value)) {
      throw new TypeError(
        `postgres sink: ${option} must match ${String(NAME)}, got ${JSON.stringify(value)}`,
      );
    }
  }
  if (schema.startsWith("pg_")) {
    // The server reserves these for its own schemas (pg_catalog, pg_temp, pg_toast, …).
    throw new TypeError(
      `postgres sink: schema must not start with "pg_", got ${JSON.stringify(schema)}`,
    );
  }
  const q = (name: string) => `"${schema}"."${table}_${name}"`;
  return {
    schema,
    table,
    head: q("head"),
    chunk: q("chunk"),
    chunkIndex: q("chunk_target"),
    quarantine: q("quarantine"),
    epochSeq: q("epoch"),
    versionSeq: q("version"),
  };
}

/**
 * The DDL the sink needs, idempotent (`IF NOT EXISTS`): what `migrate` runs, and what a DBA can
 * run instead (`sql/schema.sql` in the package has it for the default names).
 */
export function schemaSql(names: PostgresNames = {}): string {
  const n = resolveNames(names);
  return `CREATE SCHEMA IF NOT EXISTS "${n.schema}";
CREATE SEQUENCE IF NOT EXISTS ${n.epochSeq};
CREATE SEQUENCE IF NOT EXISTS ${n.versionSeq};
CREATE TABLE IF NOT EXISTS ${n.head} (
  target       text PRIMARY KEY,
  epoch        bigint NOT NULL,
  generation   bigint NOT NULL,
  version      bigint,
  size         bigint,
  chunks       integer,
  sha256       bytea,
  prev_version bigint,
  prev_size    bigint,
  prev_chunks  integer,
  prev_sha256  bytea,
  written_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${n.chunk} (
  version bigint NOT NULL,
  seq     integer NOT NULL,
  target  text NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (version, seq)
);
DO $$ BEGIN
  -- Binary snapshots do not compress: skip pglz. Only once, as ALTER TABLE locks the table.
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${n.chunk}'::regclass
              AND attname = 'data' AND attstorage <> 'e') THEN
    ALTER TABLE ${n.chunk} ALTER COLUMN data SET STORAGE EXTERNAL;
  END IF;
END $$;
DO $$ BEGIN
  -- CREATE INDEX IF NOT EXISTS takes a SHARE lock on the table even when the index exists, which
  -- waits for every write in flight and queues every new one behind it: look it up first.
  IF to_regclass('${n.chunkIndex}') IS NULL THEN
    CREATE INDEX "${n.table}_chunk_target" ON ${n.chunk} (target, version);
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS ${n.quarantine} (
  id          bigserial PRIMARY KEY,
  target      text NOT NULL,
  reason      text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  epoch       bigint NOT NULL,
  generation  bigint NOT NULL,
  version     bigint NOT NULL,
  size        bigint NOT NULL,
  chunks      integer NOT NULL,
  sha256      bytea
);
DO $$ BEGIN
  -- A head row whose checksum is missing must still be movable aside (older tables had NOT NULL).
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '${n.quarantine}'::regclass
              AND attname = 'sha256' AND attnotnull) THEN
    ALTER TABLE ${n.quarantine} ALTER COLUMN sha256 DROP NOT NULL;
  END IF;
END $$;
`;
}

/**
 * The publishing statement: the head row is inserted, or updated only when the stored
 * `(epoch, generation)` is not newer than the writer's, in this one statement. No row back means
 * a newer snapshot is stored: the writer was fenced off.
 */
export function publishSql(n: ResolvedNames, keepBackup: boolean): string {
  const prev = keepBackup
    ? `prev_version = COALESCE(h.version, h.prev_version),
    prev_size    = CASE WHEN h.version IS NULL THEN h.prev_size ELSE h.size END,
    prev_chunks  = CASE WHEN h.version IS NULL THEN h.prev_chunks ELSE h.chunks END,
    prev_sha256  = CASE WHEN h.version IS NULL THEN h.prev_sha256 ELSE h.sha256 END`
    : "prev_version = NULL, prev_size = NULL, prev_chunks = NULL, prev_sha256 = NULL";
  return `INSERT INTO ${n.head} AS h (target, epoch, generation, version, size, chunks, sha256)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (target) DO UPDATE SET
    epoch = EXCLUDED.epoch, generation = EXCLUDED.generation, version = EXCLUDED.version,
    size = EXCLUDED.size, chunks = EXCLUDED.chunks, sha256 = EXCLUDED.sha256, written_at = now(),
    ${prev}
  WHERE (h.epoch, h.generation) <= (EXCLUDED.epoch, EXCLUDED.generation)
RETURNING prev_version`;
}
