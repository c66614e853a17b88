import { open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

/** Most buffers one `writev` takes on Linux (IOV_MAX). */
const IOV_MAX = 1024;

/** Splits chunks into `writev` batches of at most IOV_MAX buffers and (when given) about `maxBytes`. */
function batches(chunks: readonly Uint8Array[], maxBytes: number | undefined): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let batch: Uint8Array[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    batch.push(chunk);
    bytes += chunk.byteLength;
    if (batch.length === IOV_MAX || (maxBytes !== undefined && bytes >= maxBytes)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * The floor for a durable atomic save of already-encoded bytes: exclusive temp file, `writev` of
 * the chunks (in batches of IOV_MAX buffers, or of about `batchBytes` when given), `fsync`, close,
 * rename. Repeated `repeats` times; returns the median time in ms. The file is removed afterwards.
 *
 * Every timed rename replaces a previous version of the same size, as every real save does (and as
 * snapwrite's timed save does): on ext4 and others, `rename(2)` over a file frees the old file's
 * blocks inside the call, which costs milliseconds for tens of MB. A floor that renamed to a free
 * name would not pay it and would flatter itself.
 */
export async function measureBareWrite(
  dir: string,
  chunks: readonly Uint8Array[],
  repeats: number,
  batchBytes?: number,
): Promise<number> {
  const plan = batches(chunks, batchBytes);
  const times: number[] = [];
  const target = join(dir, "bare.bin");
  // The previous version, written and fsynced untimed: a file whose data never reached the disk has
  // no blocks to free yet, so replacing it would cost nothing and the floor would still be too easy.
  const previous = await open(target, "w", 0o600);
  try {
    for (const batch of batches(chunks, undefined)) await previous.writev(batch);
    await previous.sync();
  } finally {
    await previous.close();
  }
  for (let r = 0; r < repeats; r++) {
    const temp = join(dir, `.bare-${r}.tmp`);
    const start = performance.now();
    const handle = await open(temp, "wx", 0o600);
    try {
      for (const batch of plan) {
        let expected = 0;
        for (const chunk of batch) expected += chunk.byteLength;
        const { bytesWritten } = await handle.writev(batch);
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
