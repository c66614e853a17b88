import { dirname } from "node:path";
import type { TargetId } from "@snapwrite/core";
import type { SinkReadNowOptions } from "@snapwrite/core/sink-kit";
import { fsFailure } from "../fs-failure.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { readRegularFile } from "./open-regular-file.js";
import { assertInsideRoot, resolveLinks } from "./symlink-jail.js";
import { targetPath } from "./target-path.js";

/**
 * Reads the target (or its `.bak`) through the links that lead to it, refusing a real location
 * outside the root and any file that is not a regular one (a FIFO must not block the read).
 */
export async function readTarget(
  context: FsSinkContext,
  target: TargetId,
  { from }: SinkReadNowOptions,
): Promise<Uint8Array> {
  const path = targetPath(context.root, target, undefined);
  try {
    const real = await resolveLinks(context.runtime.fs, path);
    const file = from === "backup" ? `${real}.bak` : real;
    await assertInsideRoot(context, file, target, undefined);
    await context.sweepOnce(dirname(real));
    return await readRegularFile(context.runtime.fs, file, { target });
  } catch (error) {
    throw fsFailure(error, undefined, target, { from }, "read");
  }
}
