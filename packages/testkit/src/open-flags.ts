import { constants } from "node:fs";

/** What an `open` flag string or number asks for. Internal. */
export interface OpenFlags {
  readonly create: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
  /** `O_DSYNC` / `O_SYNC`: a write is durable once it returns, as if followed by `fdatasync`. */
  readonly syncWrites: boolean;
  /** The handle may read (`O_RDONLY` or `O_RDWR`). */
  readonly readable: boolean;
  /** The handle may write (`O_WRONLY` or `O_RDWR`). */
  readonly writable: boolean;
}

/** `O_DSYNC | O_SYNC` where the platform has them (0 elsewhere). */
const SYNC_WRITE_FLAGS = (constants.O_DSYNC ?? 0) | (constants.O_SYNC ?? 0);
const ACCESS_MODE = constants.O_RDONLY | constants.O_WRONLY | constants.O_RDWR;

/** Reads an `open` flag string (`"r"`, `"wx"`, `"a+"`, …) or number. Internal. */
export function parseFlags(flags: string | number): OpenFlags {
  if (typeof flags === "number") {
    const access = flags & ACCESS_MODE;
    return {
      create: (flags & constants.O_CREAT) !== 0,
      truncate: (flags & constants.O_TRUNC) !== 0,
      append: (flags & constants.O_APPEND) !== 0,
      syncWrites: (flags & SYNC_WRITE_FLAGS) !== 0,
      readable: access !== constants.O_WRONLY,
      writable: access !== constants.O_RDONLY,
    };
  }
  const letter = flags.replace(/[+sx]/g, "");
  const both = flags.includes("+");
  return {
    create: letter.startsWith("w") || letter.startsWith("a"),
    truncate: letter.startsWith("w"),
    append: letter.startsWith("a"),
    syncWrites: flags.includes("s"),
    readable: both || letter.startsWith("r"),
    writable: both || !letter.startsWith("r"),
  };
}
