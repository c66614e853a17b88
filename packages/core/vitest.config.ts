import { definePackageTests } from "../../vitest.preset.js";

export const vitestConfig = definePackageTests("@snapwrite/core");

export default vitestConfig;
