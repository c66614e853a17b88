// The published .d.ts imports the modules src imports (pg among them): a strict TypeScript consumer
// resolves their types from this package's dependencies only, never its devDependencies.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const dependencies = Object.keys(packageJson.dependencies ?? {});
const require = createRequire(import.meta.url);

function importedPackages(): string[] {
  const dir = new URL("../src/", import.meta.url);
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".ts"))) {
    const source = readFileSync(new URL(file, dir), "utf8");
    for (const [, specifier] of source.matchAll(/\bfrom\s+"([^"]+)"/g)) {
      if (specifier === undefined || specifier.startsWith(".") || specifier.startsWith("node:"))
        continue;
      const parts = specifier.split("/");
      names.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? ""));
    }
  }
  return [...names].sort();
}

function shipsOwnTypes(name: string): boolean {
  const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8"));
  if (manifest.types !== undefined || manifest.typings !== undefined) return true;
  return JSON.stringify(manifest.exports ?? {}).includes('"types"');
}

function typesPackage(name: string): string {
  return name.startsWith("@") ? `@types/${name.slice(1).replace("/", "__")}` : `@types/${name}`;
}

describe("published types", () => {
  it("finds the modules src imports", () => {
    expect(importedPackages()).toEqual(expect.arrayContaining(["@snapwrite/core", "pg"]));
  });

  it.each(importedPackages())("%s and its types are dependencies", (name) => {
    expect(dependencies).toContain(name);
    if (!shipsOwnTypes(name)) expect(dependencies).toContain(typesPackage(name));
  });
});
