import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// README examples that cannot rot: every fenced block whose info string is exactly `ts` is
// compiled as its own ES module against the workspace packages' sources. Signatures and other
// fragments are fenced as `ts signature`. Shared by the packages' `readme-examples` tests.
const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A fenced `ts` block of a README. */
export interface Block {
  readonly readme: string;
  readonly line: number;
  readonly fileName: string;
  readonly code: string;
}

/** The `ts` blocks of `readme` (a path from the repository root), placed virtually in `blockDir`. */
export function tsBlocks(readme: string, blockDir: string): Block[] {
  const lines = readFileSync(join(ROOT, readme), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i] as string)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    const slug = readme.replace(/[^A-Za-z0-9]+/g, "-");
    blocks.push({
      readme,
      line: start,
      fileName: join(blockDir, `${slug}-line-${start}.mts`),
      code: lines.slice(start, end).join("\n"),
    });
    i = end;
  }
  return blocks;
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, "tsconfig.base.json");
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return {
    ...parsed.options,
    noEmit: true,
    // The packages' sources, not their builds: the check needs no build and sees today's API.
    paths: { "@snapwrite/*": [join(ROOT, "packages/*/src/index.ts")] },
  };
}

/** Typechecks every block; returns the formatted diagnostics of each block's file. */
function typecheck(blocks: readonly Block[]): Map<string, string[]> {
  const options = compilerOptions();
  const virtual = new Map(blocks.map((block) => [block.fileName, block.code]));
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const code = virtual.get(fileName);
    if (code !== undefined) return ts.createSourceFile(fileName, code, languageVersion, true);
    return getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (fileName) => virtual.has(fileName) || fileExists(fileName);
  const readFile = host.readFile.bind(host);
  host.readFile = (fileName) => virtual.get(fileName) ?? readFile(fileName);
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const out = new Map<string, string[]>(blocks.map((block) => [block.fileName, []]));
  // Only the blocks' own diagnostics: checking every package source too would only cost time.
  const diagnostics = [...virtual.keys()].flatMap((fileName) => {
    const sourceFile = program.getSourceFile(fileName);
    if (sourceFile === undefined) return [];
    return [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ];
  });
  for (const diagnostic of diagnostics) {
    const file = diagnostic.file?.fileName;
    if (file === undefined || !virtual.has(file)) continue;
    const { line } = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0) ?? {
      line: 0,
    };
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    out.get(file)?.push(`block line ${line + 1}: ${text}`);
  }
  return out;
}

/**
 * Defines the vitest suite that typechecks the `ts` blocks of `readmes` (paths from the repository
 * root); `blockDir` is where the blocks are placed virtually, so their relative imports resolve.
 */
export function describeReadmeExamples(readmes: readonly string[], blockDir: string): void {
  describe("README examples", () => {
    const blocks = readmes.flatMap((readme) => tsBlocks(readme, join(ROOT, blockDir)));
    const diagnostics = typecheck(blocks);

    it("finds the examples", () => {
      for (const readme of readmes) {
        expect(blocks.some((block) => block.readme === readme)).toBe(true);
      }
    });

    it.each(blocks.map((block) => [`${block.readme}:${block.line}`, block] as const))(
      "%s typechecks",
      (_name, block) => {
        expect(diagnostics.get(block.fileName)).toEqual([]);
      },
    );
  });
}
