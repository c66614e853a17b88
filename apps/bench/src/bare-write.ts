import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

/** Most buffers one `writev` takes on Linux (IOV_MAX). */
const IOV_MAX = 1024;

/**
 * The floor for a durable atomic save of already-encoded bytes: exclusive temp file, `writev` of
 * the chunks (in batches of IOV_MAX), `fsync`, close, rename. Repeated `repeats` times; returns the
 * median time in ms. The file is removed afterwards.
 */
export async function measureBareWrite(
  dir: string,
  chunks: readonly Uint8Array[],
  repeats: number,
): Promise<number> {
  const times: number[] = [];
  const target = join(dir, "bare.bin");
  for (let r = 0; r < repeats; r++) {
    const temp = join(dir, `.bare-${r}.tmp`);
    const start = performance.now();
    const handle = await open(temp, "wx", 0o600);
    try {
      for (let i = 0; i < chunks.length; i += IOV_MAX) {
        const batch = chunks.slice(i, i + IOV_MAX);
        let expected = 0;
        for (const chunk of batch) expected += chunk.byteLength;
        const { bytesWritten } = await handle.writev(batch as Uint8Array[]);
        if (bytesWritten !== expected)
          throw new Error(`short writev: ${bytesWritten} of ${expected}`);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    times.push(performance.now() - start);
  }
  await rm(target, { force: true });
  times.sort((a, b) => a - b);
  return Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(2));
}
