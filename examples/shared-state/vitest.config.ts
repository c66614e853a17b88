import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/example-shared-state",
    include: ["test/**/*.test.ts"],
    testTimeout: 90_000,
  },
});

export default vitestConfig;
