// Checks every published workspace package (one without "private": true) the way a user meets it:
// the metadata and LICENSE the registry page and `npm install` show, and, with the built `dist`,
// whether its types resolve for ESM consumers (`attw --pack --profile esm-only`, which packs the
// package exactly as `npm publish` would). Run after `turbo run build`; `npm run check` does.
// `--no-attw` runs the metadata checks only.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REPOSITORY = "git+https://github.com/snapwrite/snapwrite.git";
const ATTW_TIMEOUT_MS = 120_000;
const withAttw = !process.argv.includes("--no-attw");

function workspaceDirs() {
  const rootPkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const dirs = [];
  for (const pattern of rootPkg.workspaces) {
    const base = pattern.replace(/\/\*$/, "");
    const abs = path.join(root, base);
    if (!existsSync(abs)) continue;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(path.join(abs, entry.name, "package.json"))) {
        dirs.push(`${base}/${entry.name}`);
      }
    }
  }
  return dirs.sort();
}

function metadataProblems(dir, pkg) {
  const problems = [];
  const need = (ok, what) => ok || problems.push(what);
  need(pkg.license === "MIT", 'license must be "MIT"');
  need(
    existsSync(path.join(root, dir, "LICENSE")),
    "LICENSE file missing (npm ships it by itself)",
  );
  need(
    pkg.repository?.url === REPOSITORY && pkg.repository?.directory === dir,
    `repository must be { type: "git", url: "${REPOSITORY}", directory: "${dir}" }`,
  );
  need(
    typeof pkg.homepage === "string" && pkg.homepage.includes(dir),
    `homepage must point at ${dir}`,
  );
  need(typeof pkg.bugs?.url === "string", "bugs.url missing");
  need(Array.isArray(pkg.keywords) && pkg.keywords.length > 0, "keywords missing");
  need(
    pkg.type === "module" && pkg.sideEffects === false,
    'needs "type": "module" and "sideEffects": false',
  );
  need(pkg.engines?.node === ">=20.19", 'engines.node must be ">=20.19"');
  need(Array.isArray(pkg.files) && pkg.files.includes("dist"), 'files must include "dist"');
  return problems;
}

function runAttw(dir) {
  const bin = path.join(root, "node_modules", ".bin", "attw");
  const started = performance.now();
  const run = spawnSync(bin, ["--pack", "--profile", "esm-only", "--format", "ascii"], {
    cwd: path.join(root, dir),
    encoding: "utf8",
    timeout: ATTW_TIMEOUT_MS,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const failed = run.status !== 0 || run.error !== undefined;
  return { failed, seconds, output: `${run.stdout ?? ""}${run.stderr ?? ""}${run.error ?? ""}` };
}

let failures = 0;
for (const dir of workspaceDirs()) {
  const pkg = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));
  if (pkg.private === true) continue;
  const problems = metadataProblems(dir, pkg);
  if (problems.length > 0) {
    failures++;
    console.error(
      `${pkg.name}: ${problems.length} metadata problem(s)\n  ${problems.join("\n  ")}`,
    );
  }
  if (!withAttw) continue;
  const attw = runAttw(dir);
  if (attw.failed) {
    failures++;
    console.error(
      `${pkg.name}: attw --profile esm-only failed (${attw.seconds} s)\n${attw.output}`,
    );
  } else {
    console.log(`${pkg.name}: metadata ok, attw esm-only ok (${attw.seconds} s)`);
  }
}
if (failures > 0) process.exit(1);
