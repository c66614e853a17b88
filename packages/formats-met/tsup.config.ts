import { definePackageBuild } from "../../tsup.preset.js";

export const tsupConfig = definePackageBuild({
  entry: ["src/index.ts", "src/cli.ts"],
  dts: { entry: "src/index.ts" },
});

export default tsupConfig;
