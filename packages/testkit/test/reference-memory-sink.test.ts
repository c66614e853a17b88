import { describe, expect, it } from "vitest";
import {
  checkBackup,
  checkQuarantine,
  checkQuarantineExpected,
  describeSinkContract,
  describeWriterScenarios,
} from "../src/contract.js";
import { createReferenceMemorySink } from "./fixtures/reference-memory-sink.js";

describeSinkContract("reference memory sink (fixture)", {
  create: () => createReferenceMemorySink(),
  largePayload: { bytes: 2 * 1024 * 1024 },
});

describeWriterScenarios("reference memory sink (fixture)", {
  create: () => createReferenceMemorySink(),
});

describe("the backup and quarantine checks catch broken sinks", () => {
  it("catches a backup that holds the new version instead of the previous one", async () => {
    await expect(checkBackup(createReferenceMemorySink("backup-is-new"))).rejects.toThrow(
      /checkBackup: backup after the second write/,
    );
  });

  it("catches a quarantine that leaves the target readable", async () => {
    await expect(checkQuarantine(createReferenceMemorySink("quarantine-keeps"))).rejects.toThrow(
      /checkQuarantine: the quarantined target still reads as/,
    );
  });

  it("catches a quarantine that moves the target whatever bytes it holds", async () => {
    await expect(
      checkQuarantineExpected(createReferenceMemorySink("quarantine-ignores-expected")),
    ).rejects.toThrow(
      /checkQuarantineExpected: quarantine expecting other bytes of the same size resolved/,
    );
  });
});
