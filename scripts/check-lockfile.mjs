// Fails when package-lock.json would break `npm ci` or leak registry addresses:
// every optional dependency a locked package declares must have its own entry in the lock
// (npm records other platforms' binaries only when the registry serves that exact version),
// and no entry may carry a `resolved` download address.
import { readFileSync } from "node:fs";

const lock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8"));
const packages = lock.packages ?? {};
const problems = [];

function locate(fromPath, name) {
  // Node's lookup: nested node_modules first, then each ancestor, then the root.
  let base = fromPath;
  for (;;) {
    const candidate = `${base ? `${base}/` : ""}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

for (const [path, entry] of Object.entries(packages)) {
  if (typeof entry.resolved === "string" && /^[a-z]+:\/\//i.test(entry.resolved)) {
    problems.push(`${path}: has a resolved download address`);
  }
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!locate(path, name))
      problems.push(`${path || "(root)"}: optional dependency ${name} is not in the lock`);
  }
}

if (problems.length > 0) {
  console.error(`package-lock.json: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(
  `package-lock.json: ${Object.keys(packages).length} entries, all optional dependencies locked, no download addresses`,
);
