import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/testkit",
    include: ["test/**/*.test.ts"],
  },
});

export default vitestConfig;
