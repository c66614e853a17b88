import { definePackageTests } from "../../vitest.preset.js";

export const vitestConfig = definePackageTests("@snapwrite/example-shared-state", {
  testTimeout: 90_000,
});

export default vitestConfig;
