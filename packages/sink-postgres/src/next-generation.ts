import { PersistenceError, type TargetId } from "@snapwrite/core";

/**
 * The generation of one write: the one the caller passed (a non-negative safe integer, else
 * `ERR_INVALID_TARGET` at stage `open`, before any connection is used), or one more than the last
 * generation this sink used for the target. Remembers the result in `last`. Internal.
 */
export function nextGeneration(
  last: Map<TargetId, number>,
  target: TargetId,
  given: number | undefined,
): number {
  if (given !== undefined) {
    if (!Number.isSafeInteger(given) || given < 0) {
      throw new PersistenceError(
        "ERR_INVALID_TARGET",
        `generation must be a non-negative safe integer, got ${String(given)}`,
        { stage: "open", target, details: { generation: given } },
      );
    }
    last.set(target, Math.max(last.get(target) ?? 0, given));
    return given;
  }
  const generation = (last.get(target) ?? 0) + 1;
  last.set(target, generation);
  return generation;
}
