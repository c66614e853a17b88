import { constants } from "node:fs";
import type { FsFileHandle, FsPort } from "@snapwrite/core";

/** `O_DSYNC | O_SYNC` where the platform has them (0 elsewhere). */
const SYNC_WRITE_FLAGS = (constants.O_DSYNC ?? 0) | (constants.O_SYNC ?? 0);

/**
 * Time spent in `datasync`/`sync` of the handles opened through {@link timedFs}, in ms; for a
 * handle opened with `O_DSYNC` (each write is also its sync), the time of its writes.
 */
export interface SyncMeter {
  total: number;
}

// A blank proxy target: the wrapped object may be a frozen module namespace.
export function bindAll<T extends object>(target: T, override: Partial<T>): T {
  return new Proxy({} as T, {
    get(_blank, property) {
      if (Object.hasOwn(override, property)) return override[property as keyof T];
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
    has(_blank, property) {
      return Object.hasOwn(override, property) || Reflect.has(target, property);
    },
  });
}

/** Wraps `fs` so that the time its file handles spend syncing adds up in `meter`. */
export function timedFs(fs: FsPort, meter: SyncMeter, now: () => number): FsPort {
  const timed = (handle: FsFileHandle, method: "sync" | "datasync") => async (): Promise<void> => {
    const started = now();
    try {
      await handle[method]();
    } finally {
      meter.total += now() - started;
    }
  };
  const timedWritev =
    (handle: FsFileHandle) =>
    async (buffers: Uint8Array[], position?: number | null): Promise<{ bytesWritten: number }> => {
      const started = now();
      try {
        return await handle.writev(buffers, position);
      } finally {
        meter.total += now() - started;
      }
    };
  return bindAll(fs, {
    async open(path: string, flags: string | number, mode?: number): Promise<FsFileHandle> {
      const handle = await fs.open(path, flags, mode);
      const synced = typeof flags === "number" && (flags & SYNC_WRITE_FLAGS) !== 0;
      return bindAll(handle, {
        datasync: timed(handle, "datasync"),
        sync: timed(handle, "sync"),
        ...(synced ? { writev: timedWritev(handle) } : {}),
      });
    },
  });
}
