// The README's lockFile example runs as written in a fresh project directory.
import { readdir, readFile } from "node:fs/promises";
import ts from "typescript";
import { afterEach, describe, expect, it } from "vitest";
import { lockFile } from "../src/index.js";
import { createTempDirs } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

/** The README's first `ts` block after the `lockFile` heading. */
async function example(): Promise<string> {
  const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("### `lockFile(path, options?)`"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error("no lockFile example in the README");
  return code;
}

describe("README: lockFile example", () => {
  it("runs as written in an empty working directory", async () => {
    const code = await example();
    // Its imports, passed in: node's own modules, and this package's sources for "@snapwrite/sink-fs".
    const modules: Record<string, Record<string, unknown>> = {
      "node:fs/promises": await import("node:fs/promises"),
      "@snapwrite/sink-fs": { lockFile },
    };
    const names: string[] = [];
    const values: unknown[] = [];
    const lines = code.split("\n");
    for (const line of lines.filter((l) => l.startsWith("import "))) {
      const [, list, from] = /^import \{ (.+) \} from "(.+)";$/.exec(line) ?? [];
      const module = modules[from as string];
      if (list === undefined || module === undefined) throw new Error(`unexpected ${line}`);
      for (const name of list.split(", ")) {
        names.push(name);
        values.push(module[name]);
      }
    }
    // The body as an async function (`await using` down-levelled), returning the lock it took.
    const body = lines.filter((line) => !line.startsWith("import ")).join("\n");
    const { outputText } = ts.transpileModule(
      `export async function run(${names.join(", ")}) {\n${body}\nreturn lock;\n}`,
      { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } },
    );
    const run = new Function(
      ...names,
      `${outputText.replace("export async function run", "async function run")}\nreturn run(${names.join(", ")});`,
    );
    const dir = await dirs.make();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const lock = (await run(...values)) as { lockPath: string };
      expect(lock.lockPath).toBe(`${dir}/state/.app.json.lock`);
    } finally {
      process.chdir(cwd);
    }
    // `await using` released the lock when the example ended.
    expect(await readdir(`${dir}/state`)).toEqual([]);
  });
});
