import { type ChunkPool, withChunkRelease } from "@snapwrite/core/codec-kit";
import { encodeRecordRuns } from "./encode-record-runs.js";
import type { KnownMet } from "./known-met.js";
import { type PendingRecords, pendingIsLarge, pendingRecordsOf } from "./lazy-record-list.js";
import { checkEncodeHeader, encodeError, isLargeRecord } from "./record-run-writer.js";

/** Options of {@link encodeKnownMet}. */
export interface EncodeKnownMetOptions {
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
 * Encodes a {@link KnownMet} as a generator of chunks (docs/architecture.md#executors). Each record's wire bytes are
 * copied as they are — consecutive records decoded from one buffer in a single copy — straight
 * into a chunk buffer (fresh, or a recycled one from `pool`), so a step costs at most one chunk of work and the extra memory is
 * one chunk. Every yielded chunk is handed over (never touched again).
 *
 * `header: "auto"` writes 0x0F iff a record's FT_FILESIZE exceeds 4,290,048,000, like both clients;
 * the records are scanned first, in steps of 65,536 records separated by empty chunks (which
 * sinks ignore), so no generator step runs long.
 * Throws `PersistenceError` `ERR_ENCODE` (with `details.record`) for a header that is neither
 * 0x0E, 0x0F nor "auto", or a record whose `bytes` do not hold exactly one valid record.
 */
export function encodeKnownMet(
  value: KnownMet,
  options: EncodeKnownMetOptions = {},
): Generator<Uint8Array, void, undefined> {
  return withChunkRelease(encodeKnownMetChunks(value, options), options.pool?.release);
}

function* encodeKnownMetChunks(
  value: KnownMet,
  options: EncodeKnownMetOptions = {},
): Generator<Uint8Array, void, undefined> {
  const records = value?.records;
  if (!Array.isArray(records)) throw encodeError("value.records must be an array");
  // Records decoded and not touched since are copied from their offsets, without making views.
  const lazy = pendingRecordsOf(records);
  const isPending = (i: number): boolean =>
    lazy !== undefined && i < lazy.count && lazy.pending[i] === 1;
  return yield* encodeRecordRuns(
    {
      wanted: checkEncodeHeader(value.header),
      count: records.length,
      // Indices, not records: reading a pending record would make its view.
      records: () => records.keys(),
      isLarge: (_, i) =>
        isPending(i) ? pendingIsLarge(lazy as PendingRecords, i) : isLargeRecord(records[i]),
      write: (runs, _, i) => {
        if (isPending(i)) {
          const state = lazy as PendingRecords;
          runs.span(state.src, state.starts[i] as number, state.starts[i + 1] as number);
        } else {
          runs.record(records[i], i);
        }
      },
    },
    options.chunkSize,
    options.pool,
  );
}
