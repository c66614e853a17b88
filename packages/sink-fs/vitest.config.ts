import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/sink-fs",
    include: ["test/**/*.test.ts"],
  },
});

export default vitestConfig;
