import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/sink-memory",
    include: ["test/**/*.test.ts"],
  },
});

export default vitestConfig;
