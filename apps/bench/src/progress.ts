import { performance } from "node:perf_hooks";

/** Prints one progress line per step on stderr (works without a TTY). */
export interface Progress {
  /** Prints `message` with the time since the bench started. */
  step(message: string): void;
}

/** Creates a progress printer whose clock starts now. */
export function createProgress(stream: NodeJS.WritableStream = process.stderr): Progress {
  const startedAt = performance.now();
  return {
    step(message) {
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
      stream.write(`[bench ${seconds}s] ${message}\n`);
    },
  };
}
