import type { CliIo } from "./cli-io.js";
import { explainReadError } from "./read-input.js";

/** Standard output refused a write (a closed pipe, a full disk); `cause` is the write's error. */
export class OutputError extends Error {
  constructor(cause: unknown) {
    super("standard output cannot be written", { cause });
    this.name = "OutputError";
  }
}

/** Text is handed to standard output in pieces of about this many characters. */
export const OUTPUT_BATCH = 64 * 1024;

/**
 * Writes `parts` to `io.stdout` in batches of about {@link OUTPUT_BATCH} characters, waiting for
 * each write the output holds back (a returned promise) before producing the next batch, so the
 * text is never built whole and a slow reader limits how far ahead the parts are made.
 *
 * @throws OutputError when a write fails.
 */
export async function writeOutput(
  io: Pick<CliIo, "stdout">,
  parts: Iterable<string>,
): Promise<void> {
  let batch: string[] = [];
  let length = 0;
  for (const part of parts) {
    batch.push(part);
    length += part.length;
    if (length >= OUTPUT_BATCH) {
      await writeText(io, batch.join(""));
      batch = [];
      length = 0;
    }
  }
  if (length > 0) await writeText(io, batch.join(""));
}

async function writeText(io: Pick<CliIo, "stdout">, text: string): Promise<void> {
  try {
    await io.stdout(text);
  } catch (error) {
    throw new OutputError(error);
  }
}

/**
 * `CODE: what it means` for a failed write, like {@link explainReadError} for reads; a pipe whose
 * reader went away (`| head`) reports `EPIPE: write EPIPE`, said here in words.
 */
export function explainWriteError(error: unknown): string {
  if ((error as { code?: unknown }).code === "EPIPE")
    return "EPIPE: broken pipe (the reader closed it)";
  return explainReadError(error);
}
