const ACTIVE_FILES = Symbol.for("snapwrite.sink-fs.activeFiles");

/**
 * Paths of the temp files this process is writing right now, shared by every sink and every copy of
 * the package in the process. The sweep spares them: a temp file whose name carries our own pid is
 * either in this set or left by an earlier process that had the same pid.
 */
export function activeFiles(): Set<string> {
  const global = globalThis as unknown as Record<symbol, unknown>;
  let files = global[ACTIVE_FILES];
  if (!(files instanceof Set)) {
    files = new Set<string>();
    global[ACTIVE_FILES] = files;
  }
  return files as Set<string>;
}
