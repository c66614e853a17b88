import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/formats-json",
    include: ["test/**/*.test.ts"],
  },
});

export default vitestConfig;
