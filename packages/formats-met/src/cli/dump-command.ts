import type { PersistenceError } from "@snapwrite/core";
import type { CliIo } from "./cli-io.js";
import type { MetDetection } from "./detect-met-format.js";
import { metValueJsonParts } from "./met-value-json.js";
import { metValueTextParts } from "./met-value-text.js";
import { writeOutput } from "./write-output.js";

function describeError(error: PersistenceError): string {
  const d = error.details ?? {};
  const reason = typeof d.reason === "string" ? `${d.reason}: ` : "";
  return `${reason}${error.message}`;
}

/**
 * `dump`: the decoded file as text or JSON on standard output, or why it does not decode on
 * standard error. The output is produced and written record by record (see {@link writeOutput}),
 * so its size does not limit the files that can be dumped. Returns the exit status.
 *
 * @throws OutputError when standard output cannot be written.
 */
export async function dumpCommand(
  name: string,
  detection: MetDetection,
  json: boolean,
  io: Pick<CliIo, "stdout" | "stderr">,
): Promise<number> {
  if (detection.error !== undefined) {
    io.stderr(
      `snapwrite-met: ${name}: corrupt ${detection.format}: ${describeError(detection.error)}\n`,
    );
    return 1;
  }
  const parts = json
    ? metValueJsonParts(detection.format, detection.value)
    : metValueTextParts(detection.format, detection.value);
  await writeOutput(io, parts);
  return 0;
}
