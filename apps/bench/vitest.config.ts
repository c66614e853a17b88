import { defineProject } from "vitest/config";

export const vitestConfig = defineProject({
  test: {
    name: "@snapwrite/bench",
    include: ["test/**/*.test.ts"],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the config's default export
export default vitestConfig;
