import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  CALLERS,
  entryValue,
  keyOf,
  type Row,
  runUpdates,
  type Updater,
  type Value,
} from "./store-bench-run.js";

const require = createRequire(import.meta.url);
/** write-file-atomic ships no types: the one call used here. */
const writeFileAtomic = require("write-file-atomic") as (
  path: string,
  data: string,
  options: { fsync: boolean },
) => Promise<void>;

/** write-file-atomic: rewrites the whole file per update (run on a smaller state). */
export async function benchRewrite(root: string, entries: number, updates: number): Promise<Row[]> {
  const rows: Row[] = [];
  const filePath = join(root, "state.json");
  const map = new Map<string, Value>();
  for (let i = 0; i < entries; i++) map.set(keyOf(i), entryValue(i, 0));
  await writeFile(filePath, JSON.stringify([...map]));
  const rewrite: Updater = {
    update: async (i, v) => {
      map.set(keyOf(i), entryValue(i, v));
      await writeFileAtomic(filePath, JSON.stringify([...map]), { fsync: true });
    },
    close: async () => undefined,
  };
  for (const callers of CALLERS)
    rows.push(
      await runUpdates("write-file-atomic (whole file)", entries, rewrite, callers, updates),
    );
  return rows;
}
