import { PersistenceError, type WriteStage } from "@snapwrite/core";

/** The `ERR_ABORTED` error of a write aborted at `stage`, with the signal's reason as `cause`. */
export function abortFailure(
  target: string,
  stage: WriteStage,
  signal: AbortSignal,
): PersistenceError {
  return new PersistenceError(
    "ERR_ABORTED",
    `write of ${JSON.stringify(target)} was aborted during ${stage}`,
    { stage, target, cause: signal.reason },
  );
}
