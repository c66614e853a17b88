import { describeSinkContract, describeWriterScenarios } from "@snapwrite/testkit/contract";
import { createMemorySink } from "../src/index.js";

describeSinkContract("memory sink", { create: () => createMemorySink() });

describeSinkContract("memory sink with backup and latency", {
  create: () => createMemorySink({ backup: true, latencyMs: 1 }),
  largePayload: { bytes: 2 * 1024 * 1024 },
});

describeWriterScenarios("memory sink", { create: () => createMemorySink() });

describeSinkContract("memory sink with fencing and backup", {
  create: () => createMemorySink({ fencing: true, backup: true }),
  largePayload: { bytes: 1024 * 1024 },
});
