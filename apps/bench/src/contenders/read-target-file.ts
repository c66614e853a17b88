import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** Reads `<dir>/<target>` as bytes. */
export async function readTargetFile(dir: string, target: string): Promise<Uint8Array> {
  return readFile(join(dir, target));
}
