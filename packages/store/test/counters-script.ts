import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The store's build, imported by the scripts (run the build first). */
export const STORE_DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const COUNTERS_OPTIONS = new URL("./fixtures/counters-options.mjs", import.meta.url).href;

/**
 * A plain ES-module script that opens the counters store (fixtures/counters-options.mjs) in
 * `dir` as `store`, with `options` (source text of extra `openDurableStore` options, each ending
 * in a comma), then runs `body`.
 */
export function countersStoreScript(dir: string, options: string, body: string): string {
  return `
  import { openDurableStore } from ${JSON.stringify(STORE_DIST)};
  import { countersOptions } from ${JSON.stringify(COUNTERS_OPTIONS)};
  const { store } = await openDurableStore({
    dir: ${JSON.stringify(dir)},
    ...countersOptions,
    ${options}
  });
  ${body}
`;
}

/** What a script run by {@link runScript} ended with. */
export interface ScriptRun {
  /** 0, or the exit code (or -1) of a failed run. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly error: Error | null;
}

/** Runs `source` as an ES module in a new node process, killed after 20 s. */
export function runScript(source: string): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", source],
      { encoding: "utf8", timeout: 20_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr, error }),
    );
  });
}
