// The file-system calls a fault plan can select, for createFaultyFs and its plan parsing.

/**
 * Operations of an {@link FsPort} a fault can target. Handle operations keep their method name
 * (`write`, `sync`, `close`, …) except `fstat` and `fchmod`, which name the handle's `stat` and
 * `chmod` to tell them apart from the path-based ones.
 */
export type FsOperation =
  | "open"
  | "write"
  | "writev"
  | "read"
  | "sync"
  | "datasync"
  | "fstat"
  | "fchmod"
  | "close"
  | "rename"
  | "unlink"
  | "mkdir"
  | "readdir"
  | "stat"
  | "lstat"
  | "readFile"
  | "link"
  | "symlink"
  | "readlink"
  | "realpath"
  | "chmod"
  | "rmdir";

/** The syscall each operation reports in its errors, as Node names it. */
export const SYSCALLS: Readonly<Record<FsOperation, string>> = {
  open: "open",
  write: "write",
  writev: "writev",
  read: "read",
  sync: "fsync",
  datasync: "fdatasync",
  fstat: "fstat",
  fchmod: "fchmod",
  close: "close",
  rename: "rename",
  unlink: "unlink",
  mkdir: "mkdir",
  readdir: "scandir",
  stat: "stat",
  lstat: "lstat",
  readFile: "open",
  link: "link",
  symlink: "symlink",
  readlink: "readlink",
  realpath: "realpath",
  chmod: "chmod",
  rmdir: "rmdir",
};

/** Every {@link FsOperation}: the keys of {@link SYSCALLS}, which the type keeps complete. */
export const FS_OPERATIONS = Object.keys(SYSCALLS) as readonly FsOperation[];
