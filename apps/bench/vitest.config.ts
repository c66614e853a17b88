import { definePackageTests } from "../../vitest.preset.js";

export const vitestConfig = definePackageTests("@snapwrite/bench");

export default vitestConfig;
