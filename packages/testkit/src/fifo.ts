import { execFileSync } from "node:child_process";

/** Whether this system can make real FIFOs with `mkfifo(1)` (POSIX with coreutils). */
export const canMkfifo: boolean = (() => {
  if (process.platform === "win32") return false;
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore", timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
})();

/** Makes a real FIFO at `path` with `mkfifo(1)`; throws when it cannot. */
export function mkfifo(path: string): void {
  execFileSync("mkfifo", [path], { timeout: 5_000 });
}
