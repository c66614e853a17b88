import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { execa } from "execa";
import { expect } from "vitest";

/** Creates a fresh temp directory; `cleanup()` removes every one created so far. */
export function createTempDirs(): { make(): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "snapwrite-sink-fs-"));
      made.push(dir);
      return dir;
    },
    async cleanup() {
      await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
    },
  };
}

/** Encodes text as chunks of at most `size` bytes. */
export function textChunks(text: string, size = 4): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += size) chunks.push(bytes.slice(at, at + size));
  return chunks;
}

/** Decodes UTF-8. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Names in `dir` that look like the sink's temp files. */
export async function tempFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(".tmp"));
}

/** The pid of a process that has exited (spawned and awaited here). */
export async function deadPid(): Promise<number> {
  const child = execa(process.execPath, ["-e", ""]);
  const pid = child.pid;
  await child;
  if (pid === undefined) throw new Error("no pid");
  return pid;
}

/** True when running as root, where permission bits do not deny access. */
export const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** A deferred promise, for sources the test releases step by step. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Awaits `promise`, expects it to reject with a `PersistenceError`, and returns that error. */
export async function failure(promise: Promise<unknown>): Promise<PersistenceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPersistenceError(error), String(error)).toBe(true);
  return error as PersistenceError;
}

/** Polls `check` every 5 ms until it holds; throws after `ms` (a deadline, not a timing assert). */
export async function until(
  check: () => Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
