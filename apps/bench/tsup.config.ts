import { defineConfig } from "tsup";

export const tsupConfig = defineConfig({
  entry: ["src/main.ts", "src/known-met-replica-worker.ts", "src/postgres-bench.ts"],
  format: ["esm"],
  dts: false,
  target: "node20",
  sourcemap: true,
  clean: true,
});

export default tsupConfig;
