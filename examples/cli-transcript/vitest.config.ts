import { definePackageTests } from "../../vitest.preset.js";

export const vitestConfig = definePackageTests("@snapwrite/example-cli-transcript", {
  testTimeout: 60_000,
});

export default vitestConfig;
