import { open, utimes } from "node:fs/promises";
import * as path from "node:path";

/**
 * The deterministic shared-file set of `amule-harness.sh` (`gen_files`): content is
 * `yes SEED | head -c SIZE`, mtime is 1600000000 + k days. Rebuilt here so tests that only need
 * the files do not need the daemon's tools; the interop test checks it against `make-files`.
 */
export interface AmuleSetFile {
  readonly name: string;
  readonly size: number;
  readonly seed: string;
  readonly mtime: number;
}

const day = (k: number): number => 1_600_000_000 + k * 86_400;

export const AMULE_SET1: readonly AmuleSetFile[] = [
  { name: "aich-block-184320.bin", size: 184_320, seed: "emblock", mtime: day(0) },
  { name: "café über 日本 ✓.txt", size: 4242, seed: "utf8-name", mtime: day(1) },
  { name: "one-part-9728000.bin", size: 9_728_000, seed: "exact-part", mtime: day(2) },
  { name: "tiny.txt", size: 13, seed: "tiny", mtime: day(3) },
  { name: "two-parts-12345678.bin", size: 12_345_678, seed: "two-parts", mtime: day(4) },
  { name: "привет mir.dat", size: 300_000, seed: "cyrillic", mtime: day(5) },
];

/** Yields the file's content in chunks of `chunkSize` bytes (the last one shorter). */
export function* fileChunks(file: AmuleSetFile, chunkSize = 65_536): Generator<Uint8Array> {
  const line = new TextEncoder().encode(`${file.seed}\n`);
  const period = line.length;
  // A chunk-sized pattern aligned to the line, so every chunk is a slice of it.
  const reps = Math.ceil((chunkSize + period) / period);
  const pattern = new Uint8Array(reps * period);
  for (let i = 0; i < reps; i++) pattern.set(line, i * period);
  let pos = 0;
  while (pos < file.size) {
    const n = Math.min(chunkSize, file.size - pos);
    const phase = pos % period;
    yield pattern.slice(phase, phase + n);
    pos += n;
  }
}

/** The whole content of the file. */
export function fileContent(file: AmuleSetFile): Uint8Array {
  const out = new Uint8Array(file.size);
  let pos = 0;
  for (const chunk of fileChunks(file)) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

/** Writes the set into `dir` with the harness's mtimes. */
export async function writeFileSet(dir: string, files = AMULE_SET1): Promise<void> {
  for (const file of files) {
    const target = path.join(dir, file.name);
    const handle = await open(target, "w");
    try {
      for (const chunk of fileChunks(file, 1 << 20)) await handle.write(chunk);
    } finally {
      await handle.close();
    }
    await utimes(target, file.mtime, file.mtime);
  }
}
