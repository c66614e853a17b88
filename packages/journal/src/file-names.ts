const HEX16 = /^[0-9a-f]{16}$/;

/** `n` as 16 lowercase hex digits, so names sort by number. */
export function hex16(n: number): string {
  return n.toString(16).padStart(16, "0");
}

/** Name of a segment: `<name>.wal.<firstSeq, 16 hex>-<roll, 4 hex>`; `roll` tells apart segments started at the same seq. */
export function segmentFileName(name: string, firstSeq: number, roll: number): string {
  return `${name}.wal.${hex16(firstSeq)}-${roll.toString(16).padStart(4, "0")}`;
}

/** Parses a segment file name of journal `name`. */
export function parseSegmentFileName(
  name: string,
  file: string,
): { firstSeq: number; roll: number } | undefined {
  const prefix = `${name}.wal.`;
  if (!file.startsWith(prefix)) return undefined;
  const rest = file.slice(prefix.length);
  const [seqHex, rollHex, extra] = rest.split("-");
  if (extra !== undefined || seqHex === undefined || rollHex === undefined) return undefined;
  if (!HEX16.test(seqHex) || !/^[0-9a-f]{4}$/.test(rollHex)) return undefined;
  return { firstSeq: Number.parseInt(seqHex, 16), roll: Number.parseInt(rollHex, 16) };
}

/** Name of a snapshot covering every seq up to `seq`: `<name>.snap.<seq, 16 hex>`. */
export function snapshotFileName(name: string, seq: number): string {
  return `${name}.snap.${hex16(seq)}`;
}

/** Parses a snapshot file name of journal `name`. */
export function parseSnapshotFileName(name: string, file: string): number | undefined {
  const prefix = `${name}.snap.`;
  if (!file.startsWith(prefix)) return undefined;
  const rest = file.slice(prefix.length);
  return HEX16.test(rest) ? Number.parseInt(rest, 16) : undefined;
}

/**
 * A name for a quarantine copy: `<file>.<kind>-<time>-<tag>` (unique per call thanks to `tag`),
 * `<time>` the clock's time `now` in whole ms (the default clock reads fractions of a ms).
 */
export function quarantineFileName(file: string, kind: string, now: number, tag: string): string {
  return `${file}.${kind}-${Math.floor(now)}-${tag}`;
}

/**
 * Name of the temp file a torn-tail copy of `file` is written as before it is renamed:
 * `.<file>.<pid>-<tag>.tmp`.
 */
export function tornTempFileName(file: string, pid: number, tag: string): string {
  return `.${file}.${pid}-${tag}.tmp`;
}

/** Kind of the quarantine name of a segment replay did not use: `<segment>.unused-<time>-<tag>`. */
export const UNUSED_KIND = "unused";

/**
 * The `<time>-<tag>` that {@link quarantineFileName} appends for the journal writer: the clock's
 * time in whole ms as digits (earlier versions wrote the default clock's fractions of a ms too,
 * `1700000000000.2456`), then the writer's tag (`WriterState.tag`: base-36 digits `0-9a-z`), and
 * nothing after it.
 */
const QUARANTINE_STAMP = /^[0-9]+(?:\.[0-9]+)?-[0-9a-z]+$/;

/** Kind of the quarantine name of the copy of a segment's torn tail: `<segment>.torn-<time>-<tag>`. */
export const TORN_KIND = "torn";

/**
 * The segment of journal `name` whose file `file` is exactly, as the writer names it: a
 * `<segment>.<kind>-<time>-<tag>` (see {@link quarantineFileName}), nothing more; `undefined` for
 * any other name.
 */
export function quarantinedSegmentOf(name: string, file: string, kind: string): string | undefined {
  const marker = `.${kind}-`;
  const at = file.indexOf(marker, `${name}.wal.`.length);
  if (at <= 0) return undefined;
  const segment = file.slice(0, at);
  return parseSegmentFileName(name, segment) !== undefined &&
    QUARANTINE_STAMP.test(file.slice(at + marker.length))
    ? segment
    : undefined;
}

/**
 * Whether `file` is exactly a segment of journal `name` moved aside as unused:
 * `<segment>.unused-<time>-<tag>` as the writer names it (see {@link UNUSED_KIND}), nothing more.
 */
export function isUnusedSegmentName(name: string, file: string): boolean {
  return quarantinedSegmentOf(name, file, UNUSED_KIND) !== undefined;
}
