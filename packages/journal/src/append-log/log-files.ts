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
  /** Name of the temp file a tail repair writes, e.g. `.chat.jsonl.4242-k3x9a0.tmp`. */
  repairTemp(pid: number, tag: string): string;
  /**
   * Private name a rotation moves the active file to before it removes it, e.g.
   * `.chat.jsonl.4242-k3x9a0.rotating`.
   */
  rotatingTemp(pid: number, tag: string): string;
  /**
   * The time (ms, as written: whole, or with the fractions of a ms earlier versions wrote) in the
   * name of a copy of cut bytes, `<active>.torn-<time>-<tag>` or `<active>.failed-<time>-<tag>`,
   * exactly so named; `undefined` for any other name.
   */
  parseCopy(file: string): number | undefined;
  /** The pid in a {@link LogFiles.repairTemp} name; `undefined` for any other name. */
  parseRepairTemp(file: string): number | undefined;
}

/** Derives the file names of the log whose active file is `path`. */
export function logFiles(path: string): LogFiles {
  const dir = dirname(path);
  const active = basename(path);
  const ext = extname(active);
  const stem = ext === "" ? active : active.slice(0, -ext.length);
  const pattern = new RegExp(`^${escapeRegExp(stem)}\\.([0-9a-f]{16})${escapeRegExp(ext)}$`);
  const copyPattern = new RegExp(
    `^${escapeRegExp(active)}\\.(?:torn|failed)-([0-9]+(?:\\.[0-9]+)?)-[0-9a-z]{6}$`,
  );
  const tempPattern = new RegExp(
    `^\\.${escapeRegExp(active)}\\.([1-9][0-9]{0,9})-[0-9a-z]{6}\\.tmp$`,
  );
  return {
    dir,
    active,
    rotated: (firstSeq) => `${stem}.${hex16(firstSeq)}${ext}`,
    parseRotated(file) {
      const m = pattern.exec(file);
      return m === null ? undefined : Number.parseInt(m[1] as string, 16);
    },
    path: (file) => join(dir, file),
    parseCopy(file) {
      const m = copyPattern.exec(file);
      return m === null ? undefined : Number(m[1]);
    },
    repairTemp: (pid, tag) => `.${active}.${pid}-${tag}.tmp`,
    rotatingTemp: (pid, tag) => `.${active}.${pid}-${tag}.rotating`,
    parseRepairTemp(file) {
      const m = tempPattern.exec(file);
      return m === null ? undefined : Number(m[1]);
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
