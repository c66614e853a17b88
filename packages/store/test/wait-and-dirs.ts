import * as nodeFs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** `promise`, or a rejection once `ms` have passed without a result. */
export function deadline<T>(promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * A maker of real temp directories named `prefix…`, each removed after the test that made it
 * (registers an `afterEach` in the calling test file).
 */
export function tempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await nodeFs.rm(dir, { recursive: true, force: true });
  });
  return async () => {
    const dir = await nodeFs.mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
