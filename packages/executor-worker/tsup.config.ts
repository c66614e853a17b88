import { definePackageBuild } from "../../tsup.preset.js";

export const tsupConfig = definePackageBuild();

export default tsupConfig;
