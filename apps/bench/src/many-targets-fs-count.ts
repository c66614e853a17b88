import * as nodeFs from "node:fs/promises";
import type { FsFileHandle, FsPort } from "@snapwrite/core";

/** Calls per method name: `open`, `stat`, … for the port, `handle.sync`, … for open files. */
export type FsCallCounts = Record<string, number>;

/** A `node:fs/promises` port for sink-fs that counts every call made through it. */
export interface CountingFs {
  readonly fs: FsPort;
  /** The counts since the last {@link CountingFs.reset}. */
  counts(): FsCallCounts;
  reset(): void;
}

/** Wraps `node:fs/promises` (and every file handle it opens) so each call is counted by name. */
export function createCountingFs(): CountingFs {
  let calls: FsCallCounts = {};
  const count = (name: string): void => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const wrapHandle = (handle: FsFileHandle): FsFileHandle =>
    new Proxy(handle, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof value !== "function" || typeof key !== "string") return value;
        return (...params: unknown[]) => {
          count(`handle.${key}`);
          return value.apply(target, params);
        };
      },
    });
  const port = nodeFs as unknown as Record<string, (...params: unknown[]) => Promise<unknown>>;
  const fs = new Proxy(port, {
    get(target, key) {
      const value = target[key as string];
      if (typeof value !== "function" || typeof key !== "string") return value;
      return async (...params: unknown[]) => {
        count(key);
        const result = await value.apply(target, params);
        return key === "open" ? wrapHandle(result as FsFileHandle) : result;
      };
    },
  }) as unknown as FsPort;
  return {
    fs,
    counts: () => ({ ...calls }),
    reset: () => {
      calls = {};
    },
  };
}
