import { isPersistenceError, PersistenceError } from "@snapwrite/core";

/** An `ERR_ENCODE` error of the JSON encoder with `details.reason`. */
export function encodeFailure(reason: string, message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_ENCODE", message, {
    stage: "encode",
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Turns what a visit threw into an `ERR_ENCODE` error that names the path of the value being
 * written (`details.path`); an error that already has a path, or another code, passes unchanged.
 */
export function encodeErrorAt(error: unknown, path: Array<string | number>): PersistenceError {
  if (isPersistenceError(error)) {
    if (error.code !== "ERR_ENCODE" || error.details?.path !== undefined) return error;
    return new PersistenceError("ERR_ENCODE", `${error.message} (at ${formatPath(path)})`, {
      stage: "encode",
      details: { ...error.details, path },
      cause: error.cause,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new PersistenceError(
    "ERR_ENCODE",
    `cannot encode value at ${formatPath(path)}: ${message}`,
    {
      stage: "encode",
      details: { reason: "threw", path },
      cause: error,
    },
  );
}

function formatPath(path: ReadonlyArray<string | number>): string {
  let text = "$";
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `.${part}`;
  return text;
}
