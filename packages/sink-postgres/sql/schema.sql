-- The tables, sequences and index of @snapwrite/sink-postgres for the default names
-- (schema "public", prefix "snapwrite"). Idempotent. Open the sink with { migrate: false } when a DBA
-- runs this instead; schemaSql({ schema, table }) prints it for other names.
CREATE SCHEMA IF NOT EXISTS "public";
CREATE SEQUENCE IF NOT EXISTS "public"."snapwrite_epoch";
CREATE SEQUENCE IF NOT EXISTS "public"."snapwrite_version";
CREATE TABLE IF NOT EXISTS "public"."snapwrite_head" (
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
CREATE TABLE IF NOT EXISTS "public"."snapwrite_chunk" (
  version bigint NOT NULL,
  seq     integer NOT NULL,
  target  text NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (version, seq)
);
DO $$ BEGIN
  -- Binary snapshots do not compress: skip pglz. Only once, as ALTER TABLE locks the table.
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '"public"."snapwrite_chunk"'::regclass
              AND attname = 'data' AND attstorage <> 'e') THEN
    ALTER TABLE "public"."snapwrite_chunk" ALTER COLUMN data SET STORAGE EXTERNAL;
  END IF;
END $$;
DO $$ BEGIN
  -- CREATE INDEX IF NOT EXISTS takes a SHARE lock on the table even when the index exists, which
  -- waits for every write in flight and queues every new one behind it: look it up first.
  IF to_regclass('"public"."snapwrite_chunk_target"') IS NULL THEN
    CREATE INDEX "snapwrite_chunk_target" ON "public"."snapwrite_chunk" (target, version);
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS "public"."snapwrite_quarantine" (
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
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = '"public"."snapwrite_quarantine"'::regclass
              AND attname = 'sha256' AND attnotnull) THEN
    ALTER TABLE "public"."snapwrite_quarantine" ALTER COLUMN sha256 DROP NOT NULL;
  END IF;
END $$;
