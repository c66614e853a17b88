import { createJsonCodec, createJsonOpsCodec } from "@snapwrite/formats-json";
import {
  applyKeyedOps,
  createKeyedCollectionsCodec,
  emptyCollections,
  type KeyedCollections,
  type KeyedOp,
  type OpenDurableStoreOptions,
  openDurableStore,
  replayKeyedOps,
} from "@snapwrite/store";

/** The store benches' snapshot codec: keyed collections over a JSON codec, named `name`. */
export function keyedSnapshotCodec(name: string) {
  return createKeyedCollectionsCodec({ json: createJsonCodec({ version: 1 }), name });
}

type ExtraOptions = Partial<OpenDurableStoreOptions<KeyedCollections, KeyedOp>>;

/**
 * Opens the store benches' keyed JSON store in `dir` (JSON ops, the keyed replay fast path, no automatic compaction), with
 * `extra` options on top.
 */
export function openKeyedBenchStore(
  dir: string,
  codec: ReturnType<typeof keyedSnapshotCodec>,
  extra: ExtraOptions = {},
) {
  return openDurableStore<KeyedCollections, KeyedOp>({
    dir,
    codec,
    ops: createJsonOpsCodec() as never,
    apply: applyKeyedOps,
    replay: replayKeyedOps,
    empty: emptyCollections,
    compaction: false,
    ...extra,
  });
}

/** The store benches' durable store, as opened by {@link openKeyedBenchStore}. */
export type KeyedBenchStore = Awaited<ReturnType<typeof openKeyedBenchStore>>["store"];

/** `text` as a positive integer, or a `RangeError` naming the option `--name`. */
export function positiveArg(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer`);
  return n;
}
