/** What `runCli` talks to (injected so tests can run it in-process). */
export interface CliIo {
  /**
   * Writes to standard output. A returned promise holds the next write back until it settles (how
   * the CLI follows the output's backpressure); a write that fails throws or rejects.
   */
  readonly stdout: (text: string) => void | Promise<void>;
  /** Writes to standard error. */
  readonly stderr: (text: string) => void;
  /** Reads a whole file; only called for a regular file of at most {@link MAX_MET_FILE_BYTES}. */
  readonly readFile: (path: string) => Promise<Uint8Array>;
  /**
   * Looks a path up (following symlinks) before it is read, so that devices, FIFOs and directories
   * are refused instead of read forever. Default `stat` of `node:fs/promises`.
   */
  readonly stat?: ((path: string) => Promise<CliFileStats>) | undefined;
  /**
   * Reads standard input to its end, for the file name `-`; called with the byte limit
   * ({@link MAX_MET_FILE_BYTES}) and may stop (and throw) once more than that arrived.
   */
  readonly readStdin?: ((limit: number) => Promise<Uint8Array>) | undefined;
  /** The package version printed by `--version`. */
  readonly version?: string | undefined;
}

/** What `runCli` needs to know about a file before reading it. */
export interface CliFileStats {
  /** Size in bytes. */
  readonly size: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

/**
 * Largest file the CLI reads: 2 GiB − 1 byte, the most `readFile` of Node.js reads into one buffer.
 * Real .met files are far smaller; anything larger is refused before a byte is read.
 */
export const MAX_MET_FILE_BYTES = 2 ** 31 - 1;
