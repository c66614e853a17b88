import { defineConfig } from "vitest/config";

export const rootConfig = defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "examples/*"],
  },
});

export default rootConfig;
