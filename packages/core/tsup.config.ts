import { definePackageBuild } from "../../tsup.preset.js";

// Named entries: each subpath folder's `index.ts` builds to `dist/<subpath>.js` (and `.d.ts`).
export const tsupConfig = definePackageBuild({
  entry: {
    index: "src/index.ts",
    "sink-kit": "src/sink-kit/index.ts",
    "codec-kit": "src/codec-kit/index.ts",
  },
});

export default tsupConfig;
