import { defineConfig } from "vitest/config";

export const rootConfig = defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});

// biome-ignore lint/style/noDefaultExport: vitest loads the config's default export
export default rootConfig;
