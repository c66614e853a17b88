import { definePackageTests } from "../../vitest.preset.js";

// The test starts the example as a child process (three times) on 2 shared cores.
export const vitestConfig = definePackageTests("@snapwrite/example-index-cache", {
  testTimeout: 60_000,
});

export default vitestConfig;
