import * as core from "@snapwrite/core";
import * as sinkKit from "@snapwrite/core/sink-kit";
import { describe, expect, it } from "vitest";
import { readmeExampleModule } from "../../../scripts/readme-example-module.js";
import {
  describeSinkAtomicity,
  describeSinkConcurrency,
  describeSinkInvalidTargets,
  describeSinkNotFound,
  describeSinkOverwrite,
  describeSinkPayloads,
  describeSinkRoundTrip,
  type SinkContractOptions,
} from "../src/contract.js";

// The core README's `defineSink` example, as printed, through the contract it claims to meet:
// every group that applies to a sink without backup, quarantine or fencing.
function createReadmeSink(): core.Sink {
  const example = readmeExampleModule("packages/core/README.md", "= defineSink({", {
    "@snapwrite/core": core,
    "@snapwrite/core/sink-kit": sinkKit,
  });
  return example.sink as core.Sink;
}

const options: SinkContractOptions = { create: createReadmeSink };
const label = "core README defineSink example";

describe(label, () => {
  it("declares no backup, quarantine or fencing (the groups below are all that apply)", () => {
    const sink = createReadmeSink();
    expect(sink.capabilities).toMatchObject({ backup: false, fencing: false });
    expect(sink.quarantine).toBeUndefined();
  });
});
describeSinkRoundTrip(label, options);
describeSinkOverwrite(label, options);
describeSinkPayloads(label, options);
describeSinkNotFound(label, options);
describeSinkInvalidTargets(label, options);
describeSinkAtomicity(label, options);
describeSinkConcurrency(label, options);
