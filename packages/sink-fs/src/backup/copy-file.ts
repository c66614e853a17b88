import type { FsFileHandle, FsPort, TargetId } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";
import { openRegularFile } from "../read/open-regular-file.js";

const COPY_BUFFER_BYTES = 1 << 20;

/**
 * Copies `from` to the new file `to` with `from`'s mode (for file systems without hard links),
 * fsynced when `durable`; resolves `false` when `from` is gone. Only a regular file is copied.
 */
export async function copyFile(
  fs: FsPort,
  target: TargetId,
  from: string,
  to: string,
  durable: boolean,
): Promise<boolean> {
  let source: FsFileHandle;
  let sourceMode: number;
  try {
    const opened = await openRegularFile(fs, from, { target, stage: "rename" });
    source = opened.handle;
    sourceMode = opened.stats.mode & 0o7777;
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw fsFailure(error, "rename", target, { op: "backup-copy" });
  }
  try {
    const copy = await fs.open(to, "wx", 0o600);
    try {
      await copyContent(source, copy);
      await copy.chmod(sourceMode);
      if (durable) await copy.sync();
    } finally {
      await copy.close();
    }
    return true;
  } catch (error) {
    throw fsFailure(error, "rename", target, { op: "backup-copy" });
  } finally {
    await source.close().catch(() => undefined);
  }
}

/** Copies every byte of `source` into `copy`, at the same positions. */
async function copyContent(source: FsFileHandle, copy: FsFileHandle): Promise<void> {
  const buffer = new Uint8Array(COPY_BUFFER_BYTES);
  let position = 0;
  while (true) {
    const { bytesRead } = await source.read(buffer, 0, buffer.byteLength, position);
    if (bytesRead === 0) break;
    let done = 0;
    while (done < bytesRead) {
      const { bytesWritten } = await copy.write(buffer, done, bytesRead - done, position + done);
      if (bytesWritten <= 0) throw Object.assign(new Error("short write"), { code: "EIO" });
      done += bytesWritten;
    }
    position += bytesRead;
  }
}
