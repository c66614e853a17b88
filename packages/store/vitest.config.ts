import { definePackageTests } from "../../vitest.preset.js";

export const vitestConfig = definePackageTests("@snapwrite/store");

export default vitestConfig;
