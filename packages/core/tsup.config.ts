import { definePackageBuild } from "../../tsup.preset.js";

export const tsupConfig = definePackageBuild({
  entry: ["src/index.ts", "src/sink-kit.ts", "src/codec-kit/index.ts"],
});

export default tsupConfig;
