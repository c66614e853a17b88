#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { runCli } from "./cli/run-cli.js";

// The bin entry: real process I/O around runCli; any unexpected failure still ends without a stack trace.
runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: async (path) => new Uint8Array(await readFile(path)),
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
