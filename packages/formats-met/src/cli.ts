#!/usr/bin/env node
import { constants } from "node:fs";
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

// The bin entry: real process I/O around runCli; any unexpected failure still ends without a stack trace.
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: readRegularFile,
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
