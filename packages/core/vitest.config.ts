import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/core",
    include: ["test/**/*.test.ts"],
  },
});

export default vitestConfig;
