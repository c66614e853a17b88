#!/usr/bin/env node
import { constants, fstat, readFileSync, type Stats, statSync } from "node:fs";
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
    return asBytes(await handle.readFile());
  } finally {
    await handle.close();
  }
}

// Standard input (the file name "-"). A pipe is read up to the limit and given up on one byte
// past it, without keeping what it read; a regular file redirected in is judged by its size first;
// a directory or a device (< /dev/zero) is refused before any read.
async function readStdin(limit: number): Promise<Uint8Array> {
  const stats = await fstatOrUndefined(0);
  if (stats?.isDirectory()) throw Object.assign(new Error("EISDIR"), { code: "EISDIR" });
  // /dev/null (and a closed standard input, which node reopens as /dev/null) is empty input.
  if (stats?.isCharacterDevice() && stats.rdev === devNullRdev()) return new Uint8Array(0);
  if (stats?.isCharacterDevice() || stats?.isBlockDevice()) {
    const kind = stats.isCharacterDevice() ? "character device" : "block device";
    throw new Error(`not a regular file or a pipe (${kind})`);
  }
  if (stats?.isFile() && stats.size > limit) throw overLimit(limit, stats.size);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      chunks.length = 0;
      process.stdin.destroy();
      throw overLimit(limit, undefined);
    }
    chunks.push(chunk);
  }
  return asBytes(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total));
}

// A view of the buffer's bytes: `new Uint8Array(buffer)` would copy them all once more.
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function devNullRdev(): number | undefined {
  try {
    return statSync("/dev/null").rdev;
  } catch {
    return undefined;
  }
}

function fstatOrUndefined(fd: number): Promise<Stats | undefined> {
  return new Promise((resolve) => {
    fstat(fd, (error, stats) => resolve(error ? undefined : stats));
  });
}

function overLimit(limit: number, size: number | undefined): Error {
  const what = size === undefined ? "more" : `${size} bytes, more`;
  return Object.assign(new Error(`${what} than the ${limit}-byte limit`), { code: "EFBIG" });
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

// One write at a time: the promise settles once the stream has handed the text on (or failed), so
// the CLI waits for a slow reader instead of queueing the whole output in memory, and a closed pipe
// (EPIPE) reaches runCli as a rejected write instead of an unhandled 'error' event.
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
// Write errors arrive through the callbacks above; without a listener the stream's 'error' event
// would end the process with a stack trace.
process.stdout.on("error", () => {});

// The bin entry: real process I/O around runCli; any unexpected failure still ends without a stack trace.
runCli(process.argv.slice(2), {
  stdout: writeStdout,
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
