import type { FsPort } from "@snapwrite/core";

/**
 * The store's directory as an open finds it: whether it is missing, so that an open that fails
 * (a name too long for the file system, a lock held elsewhere, …) does not leave behind the empty
 * directory it created.
 */
export class CreatedDir {
  private constructor(
    private readonly fs: FsPort,
    private readonly dir: string,
    private readonly missing: boolean,
  ) {}

  /** Looks at `dir` before the open creates anything. */
  static async before(fs: FsPort, dir: string): Promise<CreatedDir> {
    let missing = false;
    try {
      await fs.stat(dir);
    } catch (error) {
      missing = (error as { code?: unknown } | null)?.code === "ENOENT";
    }
    return new CreatedDir(fs, dir, missing);
  }

  /**
   * After a failed open: removes `dir` when it was missing before and is empty now (`rmdir` fails
   * on anything else, which is left as it is; so is a parent the open created). Never rejects.
   */
  async removeIfCreated(): Promise<void> {
    if (!this.missing || this.fs.rmdir === undefined) return;
    await this.fs.rmdir(this.dir).catch(() => undefined);
  }
}
