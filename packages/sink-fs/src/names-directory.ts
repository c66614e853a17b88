import { sep } from "node:path";

/**
 * True when `path`, as given, names a directory rather than a file: it ends with a separator, or
 * its last component is `.` or `..` (which `resolve` would quietly turn into a file name: the
 * directory itself, or its parent).
 */
export function namesDirectory(path: string): boolean {
  if (path.endsWith("/") || path.endsWith(sep)) return true;
  const last = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf(sep)) + 1);
  return last === "." || last === "..";
}
