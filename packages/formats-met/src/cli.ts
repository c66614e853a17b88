#!/usr/bin/env node
import { constants, readFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { runCli } from "./cli/run-cli.js";

// runCli checks the path first; this re-checks the opened handle, so a path swapped for a FIFO or
// a device in between can neither block the open (O_NONBLOCK) nor be read forever.
async function readRegularFile(path: string): Promise<Uint8Array> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!(await handle.stat()).isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file`), { code: "EINVAL" });
    }
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

// Standard input (the file name "-"), collected up to one byte over the limit, then given up on.
async function readStdin(limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.byteLength;
    if (total > limit) {
      process.stdin.destroy();
      break;
    }
  }
  return new Uint8Array(Buffer.concat(chunks, total));
}

// The package version, from the package.json next to dist/ (and src/).
function packageVersion(): string | undefined {
  try {
    const json = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    const version = (JSON.parse(json) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

// The bin entry: real process I/O around runCli; any unexpected failure still ends without a stack trace.
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: readRegularFile,
  readStdin,
  get version() {
    return packageVersion();
  },
}).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(
      `snapwrite-met: internal error: ${(error as Error)?.message ?? String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
