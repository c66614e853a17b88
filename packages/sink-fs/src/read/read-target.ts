import { dirname } from "node:path";
import type { TargetId } from "@snapwrite/core";
import type { SinkReadNowOptions } from "@snapwrite/core/sink-kit";
import { pathFailure } from "../blocked-path.js";
import type { FsSinkContext } from "../fs-sink-context.js";
import { readRegularFile } from "./open-regular-file.js";
import { assertInsideRoot, resolveLinks } from "./symlink-jail.js";
import { targetPath } from "./target-path.js";

/**
 * Reads the target (or its `.bak`) through the links that lead to it, refusing a real location
 * outside the root and any file that is not a regular one (a FIFO must not block the read). A loop
 * of links or a component of the path that is not a directory is the permanent
 * `ERR_INVALID_TARGET` a write reports for it (see `pathFailure`).
 */
export async function readTarget(
  context: FsSinkContext,
  target: TargetId,
  { from }: SinkReadNowOptions,
): Promise<Uint8Array> {
  const { fs } = context.runtime;
  const path = targetPath(context.root, target, undefined);
  let file = path;
  try {
    const real = await resolveLinks(fs, path);
    file = from === "backup" ? `${real}.bak` : real;
    await assertInsideRoot(context, file, target, undefined);
    await context.sweepOnce(dirname(real));
    return await readRegularFile(fs, file, { target });
  } catch (error) {
    throw await pathFailure(fs, file, error, { target, stage: undefined, extra: { from } });
  }
}
