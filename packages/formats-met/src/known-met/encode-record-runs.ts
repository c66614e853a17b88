import { type ChunkPool, createChunkWriter } from "@snapwrite/core/codec-kit";
import type { KnownMetHeader } from "./known-met.js";
import { AUTO_SCAN_SLICE, drainChunks, RecordRunWriter } from "./record-run-writer.js";

/** What {@link encodeRecordRuns} needs to know of the records it encodes, in file order. */
export interface RecordRunSource<T> {
  /** The header byte asked for, already checked. */
  readonly wanted: KnownMetHeader | "auto";
  /** How many records `records` yields. */
  readonly count: number;
  /** The records in file order; read once for `"auto"` and once to write. */
  readonly records: () => Iterable<T>;
  /** True when record `index` needs header 0x0F. */
  readonly isLarge: (record: T, index: number) => boolean;
  /** Writes record `index` into the run writer. */
  readonly write: (runs: RecordRunWriter, record: T, index: number) => void;
}

/**
 * The chunk loop shared by the encoders of a record list and of a `KnownMetState`: resolves
 * `"auto"` by scanning the records in steps of 65,536 separated by empty chunks, writes the
 * header, then each record, yielding every chunk as soon as it is full (from `pool` when given).
 */
export function* encodeRecordRuns<T>(
  source: RecordRunSource<T>,
  chunkSize: number | undefined,
  pool?: ChunkPool | undefined,
): Generator<Uint8Array, void, undefined> {
  let header: KnownMetHeader = source.wanted === "auto" ? 0x0e : source.wanted;
  if (source.wanted === "auto") {
    let i = 0;
    for (const record of source.records()) {
      if (source.isLarge(record, i)) {
        header = 0x0f;
        break;
      }
      // Keep each generator step short for sliced executors: the scan may cover a million records.
      if ((i & AUTO_SCAN_SLICE) === AUTO_SCAN_SLICE) yield new Uint8Array(0);
      i++;
    }
  }
  const w = createChunkWriter({ chunkSize, pool });
  const runs = new RecordRunWriter(w);
  runs.header(header, source.count);
  let i = 0;
  for (const record of source.records()) {
    source.write(runs, record, i++);
    if (w.readyCount > 0) yield* drainChunks(w);
  }
  runs.flush();
  yield* drainChunks(w);
  const last = w.finish();
  if (last !== undefined) yield last;
}
