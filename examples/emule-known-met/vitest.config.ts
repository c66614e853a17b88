import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/example-emule-known-met",
    include: ["test/**/*.test.ts"],
    // The test starts the example as a child process (twice) on 2 shared cores.
    testTimeout: 60_000,
  },
});

export default vitestConfig;
