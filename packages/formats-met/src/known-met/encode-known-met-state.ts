import { createChunkWriter } from "@snapwrite/core/codec-kit";
import type { KnownMetHeader } from "./known-met.js";
import { type KnownMetState, knownMetStateParts } from "./known-met-state.js";
import {
  AUTO_SCAN_SLICE,
  checkEncodeHeader,
  drainChunks,
  encodeError,
  isLargeRecord,
  RecordRunWriter,
} from "./record-run-writer.js";

/** Options of {@link encodeKnownMetState}. */
export interface EncodeKnownMetStateOptions {
  /** Chunk size in bytes (default 256 KiB); every chunk but the last is exactly this long. */
  readonly chunkSize?: number | undefined;
}

/**
 * Encodes a {@link KnownMetState} as a generator of chunks: the same bytes, in the same chunks, as
 * `encodeKnownMet({ header: state.header, records: [...state] })`, without building that list.
 * Records decoded from one buffer and still back to back are copied in one go; a step costs at
 * most one chunk of work, and `header: "auto"` scans the records first in steps of 65,536
 * separated by empty chunks. The state never changes, so later applies do not disturb an encode
 * under way. `ERR_ENCODE` (with `details.record`) as for `encodeKnownMet`.
 */
export function* encodeKnownMetState(
  state: KnownMetState,
  options: EncodeKnownMetStateOptions = {},
): Generator<Uint8Array, void, undefined> {
  const parts = knownMetStateParts(state);
  if (parts === undefined) throw encodeError("value must be a KnownMetState");
  const wanted = checkEncodeHeader(parts.header);
  let header: KnownMetHeader = wanted === "auto" ? 0x0e : wanted;
  if (wanted === "auto") {
    let i = 0;
    for (const record of parts.byOrder.values()) {
      if (isLargeRecord(record)) {
        header = 0x0f;
        break;
      }
      // Keep each generator step short for sliced executors: the scan may cover a million records.
      if ((i & AUTO_SCAN_SLICE) === AUTO_SCAN_SLICE) yield new Uint8Array(0);
      i++;
    }
  }
  const w = createChunkWriter({ chunkSize: options.chunkSize });
  const runs = new RecordRunWriter(w);
  runs.header(header, parts.byOrder.size);
  let i = 0;
  for (const record of parts.byOrder.values()) {
    runs.record(record, i++);
    if (w.readyCount > 0) yield* drainChunks(w);
  }
  runs.flush();
  yield* drainChunks(w);
  const last = w.finish();
  if (last !== undefined) yield last;
}
