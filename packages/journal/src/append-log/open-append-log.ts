import type { AppendLog, OpenAppendLogOptions } from "./append-log-types.js";
import { FileAppendLog } from "./file-append-log.js";
import { checkAppendLogOptions } from "./log-options.js";

/** Opens an append log (see the package README for the rules it keeps). */
export async function openAppendLog(options: OpenAppendLogOptions): Promise<AppendLog> {
  checkAppendLogOptions(options);
  const log = new FileAppendLog(options);
  await log.open();
  return log;
}
