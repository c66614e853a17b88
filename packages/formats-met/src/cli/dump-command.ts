import type { PersistenceError } from "@snapwrite/core";
import type { CliIo } from "./cli-io.js";
import type { MetDetection } from "./detect-met-format.js";
import { metValueJson } from "./met-value-json.js";
import { metValueText } from "./met-value-text.js";

function describeError(error: PersistenceError): string {
  const d = error.details ?? {};
  const reason = typeof d.reason === "string" ? `${d.reason}: ` : "";
  return `${reason}${error.message}`;
}

/**
 * `dump`: the decoded file as text or JSON on standard output, or why it does not decode on
 * standard error. Returns the exit status.
 */
export function dumpCommand(
  name: string,
  detection: MetDetection,
  json: boolean,
  io: Pick<CliIo, "stdout" | "stderr">,
): number {
  if (detection.error !== undefined) {
    io.stderr(
      `snapwrite-met: ${name}: corrupt ${detection.format}: ${describeError(detection.error)}\n`,
    );
    return 1;
  }
  const out = json
    ? `${JSON.stringify(metValueJson(detection.format, detection.value), null, 2)}\n`
    : metValueText(detection.format, detection.value);
  io.stdout(out);
  return 0;
}
