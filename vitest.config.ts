import { defineConfig } from "vitest/config";

export const rootConfig = defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "examples/*/vitest.config.ts"],
  },
});

export default rootConfig;
