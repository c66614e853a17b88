import { defineConfig } from "tsup";

export const tsupConfig = defineConfig({
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  target: "node20",
  sourcemap: true,
  clean: true,
});

export default tsupConfig;
