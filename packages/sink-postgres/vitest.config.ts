import { definePackageTests } from "../../vitest.preset.js";

export const vitestConfig = definePackageTests("@snapwrite/sink-postgres");

export default vitestConfig;
