import { defineConfig } from "tsup";

export const tsupConfig = defineConfig({
  entry: ["src/main.ts", "src/known-met-replica-worker.ts", "src/journal-append.ts"],
  format: ["esm"],
  dts: false,
  target: "node20",
  sourcemap: true,
  clean: true,
});

export default tsupConfig;
