import { open } from "node:fs/promises";

/** The control of the durable-append benches: open, append one record, fsync, close — per record. */
export async function appendFsynced(path: string, record: string | Uint8Array): Promise<void> {
  const handle = await open(path, "a");
  try {
    await handle.appendFile(record);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
