import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { tsBlocks } from "./describe-readme-examples.js";

// Runs a README example, not only typechecks it: a test hands the block's exports to the checks a
// user would run (a sink example through the sink contract, a codec through a round trip).
const ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * Evaluates the one `ts` block of `readme` (a path from the repository root) that contains
 * `marker`, with each `import … from "<specifier>"` answered by `modules[specifier]` (the module
 * namespace to use), and returns the block's exports. Each call evaluates the block anew, so its
 * module-level state is fresh. Throws unless exactly one block contains `marker`, or when the
 * block imports a module missing from `modules`.
 */
export function readmeExampleModule(
  readme: string,
  marker: string,
  modules: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const found = tsBlocks(readme, ROOT).filter((block) => block.code.includes(marker));
  if (found.length !== 1) {
    throw new Error(`${readme}: ${found.length} ts blocks contain ${JSON.stringify(marker)}`);
  }
  const block = found[0] as (typeof found)[number];
  const { outputText } = ts.transpileModule(block.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    fileName: join(ROOT, `${block.readme}-line-${block.line}.ts`),
  });
  const require = (specifier: string): unknown => {
    if (!Object.hasOwn(modules, specifier)) {
      throw new Error(`${readme}:${block.line} imports ${specifier}, not given to the runner`);
    }
    return modules[specifier];
  };
  const module = { exports: {} as Record<string, unknown> };
  const evaluate = new Function("require", "module", "exports", outputText);
  evaluate(require, module, module.exports);
  return module.exports;
}
