import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Sink } from "@snapwrite/core";
import { createMemoryFs, type FsCall } from "@snapwrite/testkit";
import {
  defaultMayRecover,
  describeFsSinkContract,
  describeFsSinkFaults,
  describeSinkContract,
} from "@snapwrite/testkit/contract";
import { createFsSink, type FsSink, type FsSinkOptions } from "../src/index.js";

/** Fast retries: the fault matrix injects transient rename errors on purpose. */
const quick: Partial<FsSinkOptions> = { renameRetry: { attempts: 4, initialMs: 0, maxMs: 1 } };

describeFsSinkContract("sink-fs on memfs", {
  create: ({ fs, dir }) => createFsSink({ fs, dir, ...quick }),
});

/**
 * The release runs after the rename, so its bookkeeping may fail without failing the write: besides
 * the default's cases, reading the lock file back and creating the claim a release runs under.
 */
function releaseMayFail(call: FsCall, code: string): boolean {
  // Read-only opens of the lock file: "r", or the non-blocking O_RDONLY | O_NONBLOCK number.
  const readOnly = call.flags === "r" || typeof call.flags === "number";
  if (call.op === "open" && /\.lock$/.test(call.path) && readOnly) return true;
  if (call.op === "open" && /\.lock\.[0-9a-z]{7}-[0-9]+\.brk$/.test(call.path)) return true;
  // The claim's record goes into a private temp file first, which is linked into place.
  if (/\.lock\.[0-9a-z]{7}-[0-9]+\.brk\.[0-9a-z-]+\.tmp$/.test(call.path)) return true;
  return defaultMayRecover(call, code);
}

describeFsSinkContract("sink-fs with backup and lock on memfs", {
  create: ({ fs, dir }) => createFsSink({ fs, dir, backup: true, lock: true, ...quick }),
  mayRecover: releaseMayFail,
});

// "atomic" skips the fsyncs, so it promises nothing across power loss (crash consistency is the
// durable mode's job); everything else of the contract holds.
describeSinkContract("sink-fs atomic on memfs", {
  create: () =>
    createFsSink({ fs: createMemoryFs({ "/data": null }), dir: "/data", durability: "atomic" }),
});
describeFsSinkFaults("sink-fs atomic", {
  create: ({ fs, dir }) => createFsSink({ fs, dir, durability: "atomic", ...quick }),
});

/** The generic contract on the real disk, one fresh temp directory per test. */
function onRealDisk(options: Partial<FsSinkOptions>) {
  const roots = new Map<Sink, string>();
  return {
    create: async (): Promise<FsSink> => {
      const dir = await mkdtemp(join(tmpdir(), "snapwrite-sink-fs-contract-"));
      const sink = createFsSink({ dir, ...options });
      roots.set(sink, dir);
      return sink;
    },
    destroy: async (sink: Sink) => {
      await sink.close?.();
      const dir = roots.get(sink);
      roots.delete(sink);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

describeSinkContract("sink-fs on the real disk", onRealDisk({}));
describeSinkContract(
  "sink-fs with backup and lock on the real disk",
  onRealDisk({ backup: true, lock: true }),
);
