import { defineConfig, type Options } from "tsup";

/**
 * The build every workspace package shares: ESM only, declarations, Node 20 syntax, source maps,
 * a clean `dist`. A package's `tsup.config.ts` passes only what differs (entries, `dts`).
 */
export const tsupPreset = {
  entry: ["src/index.ts"],
  format: ["esm"],
  dts: true,
  target: "node20",
  sourcemap: true,
  clean: true,
} satisfies Options;

/** The shared preset with a package's own settings on top (shallow: a given key replaces the preset's). */
export function definePackageBuild(overrides: Options = {}) {
  return defineConfig({ ...tsupPreset, ...overrides });
}
