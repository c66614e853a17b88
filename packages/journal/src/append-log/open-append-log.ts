import type { AppendLog, OpenAppendLogOptions } from "./append-log-types.js";
import { FileAppendLog } from "./file-append-log.js";

/** Opens an append log (see the package README for the rules it keeps). */
export async function openAppendLog(options: OpenAppendLogOptions): Promise<AppendLog> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("openAppendLog: options must be an object with a path");
  }
  if (typeof options.path !== "string" || options.path === "") {
    throw new TypeError("openAppendLog: path must be a non-empty string");
  }
  const log = new FileAppendLog(options);
  await log.open();
  return log;
}
