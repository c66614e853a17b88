import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Real FIFOs on the real disk: POSIX with mkfifo(1) only. */
export { canMkfifo, mkfifo } from "@snapwrite/testkit";

/** Fresh temp directories, removed again by {@link TempDirs.removeAll} (call it in `afterEach`). */
export class TempDirs {
  private readonly made: string[] = [];

  constructor(private readonly prefix: string) {}

  async create(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), this.prefix));
    this.made.push(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    for (const dir of this.made.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** What `work` rejects with, or a failure once `ms` passed (nothing here may wait on a FIFO). */
export async function rejectionWithin(work: Promise<unknown>, ms = 5_000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work, late]);
  } catch (error) {
    if (error instanceof Error && error.message === `still pending after ${ms} ms`) throw error;
    return error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error("resolved, expected a rejection");
}
