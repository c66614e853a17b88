import type { FsFileHandle, FsPort } from "@snapwrite/core";

/** Time spent in `datasync`/`sync` of the handles opened through {@link timedFs}, in ms. */
export interface SyncMeter {
  total: number;
}

// A blank proxy target: the wrapped object may be a frozen module namespace.
function bindAll<T extends object>(target: T, override: Partial<T>): T {
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
  return bindAll(fs, {
    async open(path: string, flags: string | number, mode?: number): Promise<FsFileHandle> {
      const handle = await fs.open(path, flags, mode);
      return bindAll(handle, { datasync: timed(handle, "datasync"), sync: timed(handle, "sync") });
    },
  });
}
