import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/journal",
    include: ["test/**/*.test.ts"],
    // CI and developers share 2 cores across every package's suite: a property test that takes
    // 2 s alone can take 10 s under load. Timing goals live in the bench, not here.
    testTimeout: 30_000,
  },
});

export default vitestConfig;
