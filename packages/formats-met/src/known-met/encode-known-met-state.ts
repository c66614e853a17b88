import { type ChunkPool, withChunkRelease } from "@snapwrite/core/codec-kit";
import { encodeRecordRuns } from "./encode-record-runs.js";
import { type KnownMetState, knownMetStateParts } from "./known-met-state.js";
import { checkEncodeHeader, encodeError, isLargeRecord } from "./record-run-writer.js";

/** Options of {@link encodeKnownMetState}. */
export interface EncodeKnownMetStateOptions {
  /** Chunk size in bytes (default 256 KiB); every chunk but the last is exactly this long. */
  readonly chunkSize?: number | undefined;
  /**
   * Take the chunk buffers from this pool (its chunk size, unless `chunkSize` says the same). The
   * returned generator then carries the pool's release hook (`CHUNK_RELEASE`): a sink that
   * supports it gives each chunk back once written.
   */
  readonly pool?: ChunkPool | undefined;
}

/**
 * Encodes a {@link KnownMetState} as a generator of chunks: the same bytes, in the same chunks, as
 * `encodeKnownMet({ header: state.header, records: [...state] })`, without building that list.
 * Records decoded from one buffer and still back to back are copied in one go; a step costs at
 * most one chunk of work, and `header: "auto"` scans the records first in steps of 65,536
 * separated by empty chunks. The state never changes, so later applies do not disturb an encode
 * under way. `ERR_ENCODE` (with `details.record`) as for `encodeKnownMet`.
 */
export function encodeKnownMetState(
  state: KnownMetState,
  options: EncodeKnownMetStateOptions = {},
): Generator<Uint8Array, void, undefined> {
  return withChunkRelease(encodeKnownMetStateChunks(state, options), options.pool?.release);
}

function* encodeKnownMetStateChunks(
  state: KnownMetState,
  options: EncodeKnownMetStateOptions = {},
): Generator<Uint8Array, void, undefined> {
  const parts = knownMetStateParts(state);
  if (parts === undefined) throw encodeError("value must be a KnownMetState");
  return yield* encodeRecordRuns(
    {
      wanted: checkEncodeHeader(parts.header),
      count: parts.byOrder.size,
      records: () => parts.byOrder.values(),
      isLarge: (record) => isLargeRecord(record),
      write: (runs, record, i) => runs.record(record, i),
    },
    options.chunkSize,
    options.pool,
  );
}
