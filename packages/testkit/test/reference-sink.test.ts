import {
  checkCrashAtomicity,
  checkCrashDurability,
  checkFaultMatrix,
  describeFsSinkContract,
  describeWriterScenarios,
} from "../src/contract.js";
import { createMemoryFs } from "../src/index.js";
import { createReferenceFsSink } from "./fixtures/reference-fs-sink.js";

describeFsSinkContract("reference fs sink (fixture)", {
  create: ({ fs, dir }) => createReferenceFsSink({ fs, dir }),
});

describeWriterScenarios("reference fs sink (fixture)", {
  create: () => createReferenceFsSink({ fs: createMemoryFs({ "/data": null }), dir: "/data" }),
});

void checkCrashAtomicity;
void checkCrashDurability;
void checkFaultMatrix;
