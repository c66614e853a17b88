import type { FsPort } from "@snapwrite/core";
import { openRegularFile, type RegularFileContext } from "../read/open-regular-file.js";

/** Bytes compared per read. */
const COMPARE_BYTES = 64 * 1024;

/**
 * Whether the regular file at `path` holds exactly `expected`: the size is compared first (no read
 * at all when it differs), then the content in 64 KiB steps. Rejects like `openRegularFile` (a
 * missing file with its `ENOENT`, a FIFO or device with `ERR_INVALID_TARGET`).
 */
export async function fileHoldsBytes(
  fs: FsPort,
  path: string,
  expected: Uint8Array,
  context: RegularFileContext,
): Promise<boolean> {
  const { handle, stats } = await openRegularFile(fs, path, context);
  try {
    if (stats.size !== expected.byteLength) return false;
    const buffer = new Uint8Array(Math.min(COMPARE_BYTES, Math.max(1, expected.byteLength)));
    let at = 0;
    while (true) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, at);
      if (bytesRead === 0) return at === expected.byteLength;
      if (at + bytesRead > expected.byteLength) return false;
      for (let i = 0; i < bytesRead; i += 1) {
        if (buffer[i] !== expected[at + i]) return false;
      }
      at += bytesRead;
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}
