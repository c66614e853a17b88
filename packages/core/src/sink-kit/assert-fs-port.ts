import type { FsPort } from "./fs-port.js";

/** The functions every {@link FsPort} must have (`rmdir` is optional). */
const REQUIRED: readonly (keyof FsPort)[] = [
  "open",
  "rename",
  "unlink",
  "mkdir",
  "readdir",
  "stat",
  "lstat",
  "readFile",
  "link",
  "symlink",
  "readlink",
  "realpath",
  "chmod",
];

/**
 * Throws a `TypeError` prefixed with `caller` unless `fs` is an object with the functions of an
 * {@link FsPort} (and `rmdir`, if it has one, is a function too): what every factory that takes an
 * injected file system checks at once, so an incomplete one fails where it is passed rather than
 * as an I/O error at its first use. `option` names it in the message (default `"fs"`).
 */
export function assertFsPort(fs: unknown, caller: string, option = "fs"): asserts fs is FsPort {
  const given = fs as Partial<Record<keyof FsPort, unknown>> | null;
  if (typeof given !== "object" || given === null) {
    throw new TypeError(`${caller}: ${option} must be an FsPort object`);
  }
  for (const name of REQUIRED) {
    if (typeof given[name] !== "function") {
      throw new TypeError(`${caller}: ${option}.${name} must be a function`);
    }
  }
  if (given.rmdir !== undefined && typeof given.rmdir !== "function") {
    throw new TypeError(`${caller}: ${option}.rmdir must be a function when given`);
  }
}
