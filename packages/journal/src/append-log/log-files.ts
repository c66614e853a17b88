import { basename, dirname, extname, join } from "node:path";
import { hex16 } from "../file-names.js";

/** The files of one append log: the active file and its rotated predecessors. */
export interface LogFiles {
  readonly dir: string;
  /** Active file name, e.g. `chat.jsonl`. */
  readonly active: string;
  /** Rotated file name for a first seq, e.g. `chat.000000000000002a.jsonl` (sorts by seq). */
  rotated(firstSeq: number): string;
  /** Parses a rotated file name; `undefined` for anything else. */
  parseRotated(file: string): number | undefined;
  /** Absolute path of a file name. */
  path(file: string): string;
}

/** Derives the file names of the log whose active file is `path`. */
export function logFiles(path: string): LogFiles {
  const dir = dirname(path);
  const active = basename(path);
  const ext = extname(active);
  const stem = ext === "" ? active : active.slice(0, -ext.length);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.([0-9a-f]{16})${escapeRegExp(ext)}$`);
  return {
    dir,
    active,
    rotated: (firstSeq) => `${stem}.${hex16(firstSeq)}${ext}`,
    parseRotated(file) {
      const m = pattern.exec(file);
      return m === null ? undefined : Number.parseInt(m[1] as string, 16);
    },
    path: (file) => join(dir, file),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
