import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("the built package", () => {
  it.skipIf(!existsSync(dist))("loads its CommonJS B+ tree dependency under plain Node", () => {
    const script = `import { createKeyedState } from ${JSON.stringify(dist)};
      const s = createKeyedState([["b", 1], ["a", 2]]).put("c", 3);
      process.stdout.write(JSON.stringify([...s]));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(JSON.parse(out)).toEqual([
      ["a", 2],
      ["b", 1],
      ["c", 3],
    ]);
  });
});
