import { definePackageBuild } from "../../tsup.preset.js";

export const tsupConfig = definePackageBuild({
  entry: ["src/index.ts", "src/checks.ts", "src/contract.ts", "src/postgres.ts"],
});

export default tsupConfig;
