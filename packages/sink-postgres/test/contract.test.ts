import {
  describeSinkContract,
  describeWriterScenarios,
  serverForThisFile,
} from "@snapwrite/testkit/contract";
import pg from "pg";
import { afterAll } from "vitest";
import { createPostgresSink, openPostgresSink } from "../src/index.js";

const server = await serverForThisFile();

if (server !== undefined) {
  const pool = new pg.Pool({ connectionString: server.url, max: 8 });
  pool.on("error", () => undefined);
  afterAll(() => pool.end());
  let schemas = 0;
  // A fresh schema per sink: every test starts from an empty store.
  const create = () =>
    openPostgresSink({ pool, schema: `contract_${++schemas}`, chunkBytes: 64 * 1024 });
  describeSinkContract("postgres sink", { create, largePayload: { bytes: 4 * 1024 * 1024 } });
  describeSinkContract("postgres sink without backup", {
    create: () => openPostgresSink({ pool, schema: `contract_${++schemas}`, backup: false }),
    largePayload: { bytes: 1024 * 1024 },
  });
  describeWriterScenarios("postgres sink", { create });
  // The synchronous factory: the same contract through a sink that opens in the background.
  describeSinkContract("postgres sink from createPostgresSink", {
    create: () => createPostgresSink({ pool, schema: `contract_${++schemas}` }),
    largePayload: { bytes: 1024 * 1024 },
  });
}
