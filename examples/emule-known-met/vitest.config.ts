import { definePackageTests } from "../../vitest.preset.js";

// The test starts the example as a child process (twice) on 2 shared cores.
export const vitestConfig = definePackageTests("@snapwrite/example-emule-known-met", {
  testTimeout: 60_000,
});

export default vitestConfig;
