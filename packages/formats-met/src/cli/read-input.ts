import { stat as nodeStat } from "node:fs/promises";
import { type CliFileStats, type CliIo, MAX_MET_FILE_BYTES } from "./cli-io.js";

/** Descriptions of the system error codes a read can end with, for codes without a message. */
const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "file name too long",
  EMFILE: "too many open files",
  ENFILE: "too many open files in the system",
  EIO: "input/output error",
  ENXIO: "no such device or address",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "not enough memory",
  EINVAL: "invalid argument",
};

/**
 * `CODE: what it means` for a failed read: the description libuv put in the message
 * (`ENOENT: no such file or directory, stat 'x'` without the call and path), else a known
 * description, else the message itself.
 */
export function explainReadError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code !== "string") return message;
  if (message.startsWith(`${code}: `)) {
    const text = message.slice(code.length + 2);
    // "no such file or directory, open 'x.met'": drop the system call and the path.
    const match = /^(.*?), [a-z_]+(?: '.*')?$/s.exec(text);
    return `${code}: ${match?.[1] ?? text}`;
  }
  if (message === "" || message === code) return `${code}: ${ERRNO_TEXT[code] ?? "error"}`;
  return `${code}: ${message}`;
}

/** How the messages name standard input (the file name `-`). */
export const STDIN_NAME = "<stdin>";

/** The bytes of `file`, or why it cannot be read (one line). */
export async function readInput(file: string, io: CliIo): Promise<Uint8Array | string> {
  try {
    if (file === "-") {
      if (io.readStdin === undefined) return "standard input is not available";
      const bytes = await io.readStdin(MAX_MET_FILE_BYTES);
      if (bytes.byteLength > MAX_MET_FILE_BYTES) {
        return `more than the ${MAX_MET_FILE_BYTES}-byte limit`;
      }
      return bytes;
    }
    const stats = await (io.stat ?? nodeStat)(file);
    // A device or FIFO never ends (/dev/zero) or blocks; only regular files are .met files.
    if (!stats.isFile()) return `not a regular file (${fileKind(stats)})`;
    if (stats.size > MAX_MET_FILE_BYTES) {
      return `${stats.size} bytes, more than the ${MAX_MET_FILE_BYTES}-byte limit`;
    }
    const bytes = await io.readFile(file);
    if (bytes.byteLength > MAX_MET_FILE_BYTES) {
      return `more than the ${MAX_MET_FILE_BYTES}-byte limit`;
    }
    return bytes;
  } catch (error) {
    // Standard input over the limit says so as a file's size does, without an error code.
    if ((error as { code?: unknown }).code === "EFBIG") return (error as Error).message;
    return explainReadError(error);
  }
}

function fileKind(stats: CliFileStats): string {
  if (stats.isDirectory()) return "directory";
  if (stats.isCharacterDevice()) return "character device";
  if (stats.isBlockDevice()) return "block device";
  if (stats.isFIFO()) return "FIFO";
  if (stats.isSocket()) return "socket";
  return "special file";
}
