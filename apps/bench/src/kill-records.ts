import { readFile } from "node:fs/promises";

/** Bytes per record line. */
const RECORD_BYTES = 256;

/** The record with id `p:i` as a JSON line of RECORD_BYTES bytes. */
export function record(p: number, i: number): { p: number; i: number; pad: string } {
  return { p, i, pad: "x".repeat(RECORD_BYTES - 60) };
}
/** The record with id `p:i` as one padded JSON line. */
export function line(p: number, i: number): string {
  const text = JSON.stringify(record(p, i));
  return `${text}${" ".repeat(Math.max(0, RECORD_BYTES - 1 - text.length))}\n`;
}

/** What a contender's files hold after the kill. */
export interface Found {
  readonly ids: Set<string>;
  /** Records cut short or unparsable (a torn tail included). */
  readonly torn: number;
}

/** The `p:i` id of a parsed record, or undefined when it is not one. */
export function idOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { p, i } = value as { p?: unknown; i?: unknown };
  return typeof p === "number" && typeof i === "number" ? `${p}:${i}` : undefined;
}

/** Reads a file of JSON lines: every parsable line's id; a non-empty unterminated tail is torn. */
export async function readLines(path: string): Promise<Found> {
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { ids: new Set(), torn: 0 };
  }
  const ids = new Set<string>();
  let torn = 0;
  const parts = text.split("\n");
  const tail = parts.pop() ?? "";
  if (tail.length > 0) torn++;
  for (const part of parts) {
    if (part.trim() === "") continue;
    try {
      const id = idOf(JSON.parse(part));
      if (id === undefined) torn++;
      else ids.add(id);
    } catch {
      torn++;
    }
  }
  return { ids, torn };
}
