import type { FsFileHandle, FsPort } from "@snapwrite/core";
import { errorCode } from "../error-code.js";
import { fsFailure } from "../fs-failure.js";

/**
 * Error codes meaning "directories cannot be fsynced here", not "the fsync failed": Windows refuses
 * to open a directory (`EISDIR`) or to flush it (`EPERM`, `EBADF`), and some file systems (FUSE,
 * network mounts) answer `EINVAL`/`ENOTSUP`.
 */
function unsupported(code: string | undefined, platform: NodeJS.Platform): boolean {
  if (code === "EISDIR" || code === "EINVAL" || code === "ENOTSUP" || code === "EOPNOTSUPP") {
    return true;
  }
  return platform === "win32" && (code === "EPERM" || code === "EBADF" || code === "EACCES");
}

/**
 * Fsyncs the directory `dir` so that a rename in it survives power loss: open it read-only, sync,
 * close. Resolves `true` when done, `false` when the platform cannot fsync directories; any other
 * failure rejects with stage `sync-dir`.
 */
export async function syncDirectory(
  fs: FsPort,
  dir: string,
  target: string,
  platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
  let handle: FsFileHandle;
  try {
    handle = await fs.open(dir, "r");
  } catch (error) {
    if (unsupported(errorCode(error), platform)) return false;
    throw fsFailure(error, "sync-dir", target, { dir });
  }
  let synced = true;
  let failure: unknown;
  try {
    await handle.sync();
  } catch (error) {
    if (unsupported(errorCode(error), platform)) synced = false;
    else failure = error;
  }
  try {
    await handle.close();
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw fsFailure(failure, "sync-dir", target, { dir });
  return synced;
}
