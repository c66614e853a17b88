import { definePackageBuild } from "../../tsup.preset.js";

export const tsupConfig = definePackageBuild({
  entry: [
    "src/main.ts",
    "src/known-met-replica-worker.ts",
    "src/postgres-bench.ts",
    "src/postgres-replica-worker.ts",
    "src/journal-append.ts",
    "src/store-bench.ts",
    "src/store-commit-profile.ts",
    "src/store-stall-profile.ts",
    "src/state-copies-profile.ts",
    "src/store-read-profile.ts",
    "src/store-load-profile.ts",
    "src/json-decode-profile.ts",
    "src/slice-profile.ts",
    "src/chunk-pool-profile.ts",
    "src/chunk-pool-encode-profile.ts",
    "src/many-targets-profile.ts",
    "src/many-targets-method-check.ts",
    "src/store-warm-load.ts",
    "src/replica-memory-profile.ts",
  ],
  dts: false,
});

export default tsupConfig;
