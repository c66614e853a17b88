import { PersistenceError } from "@snapwrite/core";
import { type ScannedKnownMet, scanKnownMet } from "./decode-known-met.js";
import { findSizeTag } from "./find-size-tag.js";
import { type KnownMetHeader, OLD_MAX_FILE_SIZE } from "./known-met.js";
import { Md4SlotIndex } from "./md4-slot-index.js";
import { RecordArena } from "./record-arena.js";
import { recordEnd } from "./record-end.js";
import { RecordRunWriter } from "./record-run-writer.js";
import { ReplicaRuns } from "./replica-runs.js";
import { tagFields } from "./tag-fields.js";

/**
 * A change to a {@link KnownMetReplica}, posted by the owner with `WorkerReplica.patch` of
 * `@snapwrite/executor-worker`.
 * - `put`: one record's exact wire bytes (`record.bytes` of a `KnownFileRecord`); it replaces the
 *   record with the same MD4 hash in place, or is appended.
 * - `delete`: removes the record with this 16-byte MD4 hash (no-op when absent).
 * - `load`: a whole known.met file (for the first fill and for `resync`): replaces the state.
 *
 * For `put`, post a copy of the record's bytes (`record.bytes.slice()`): records share slabs, and
 * structured clone copies a view's whole backing buffer. For `load`, pass the file's buffer in the
 * transfer list: it then moves instead of being copied. The replica takes the file's bytes over
 * (they become its storage, and it overwrites them when it compacts or rewrites a record in
 * place): do not use them after.
 */
export type KnownMetPatch =
  | { readonly op: "put"; readonly record: Uint8Array }
  | { readonly op: "delete"; readonly hash: Uint8Array }
  | { readonly op: "load"; readonly file: Uint8Array };

/**
 * Tags of the binary form of {@link KnownMetPatch}, for `WorkerReplica.patchBytes(tag, bytes)` of
 * `@snapwrite/executor-worker`: the bytes are those of the object form (`record`, `hash`, `file`).
 * `patchBytes(KNOWN_MET_PATCH_TAGS.put, record.bytes)` needs no copy of the record first.
 */
export const KNOWN_MET_PATCH_TAGS = Object.freeze({ put: 1, delete: 2, load: 3 } as const);

/** Options of {@link createKnownMetReplica}. */
export interface KnownMetReplicaOptions {
  /** Header to write: 0x0E, 0x0F, or `"auto"` (default: 0x0F iff some file exceeds 4,290,048,000 bytes). */
  readonly header?: KnownMetHeader | "auto" | undefined;
  /** Chunk size of the encoder in bytes. Default 256 KiB. */
  readonly chunkSize?: number | undefined;
  /**
   * `encode()` hands runs of adjacent records of 1 KiB or more out as views of the replica's own
   * storage instead of copying them into fresh chunks: no garbage of the file's size per save. The
   * chunks then stay valid only until the next `apply`, which breaks the codec rule that a chunk is
   * handed over for good: use it only with a sink that does not keep chunks after its write
   * resolves and never transfers them (sink-fs). Default false.
   */
  readonly borrowChunks?: boolean | undefined;
}

/**
 * A known.met kept in a replica worker: records keyed by MD4 hash, in insertion order. It is the
 * `Replica<KnownMetPatch>` that `serveReplica` of `@snapwrite/executor-worker` expects (this package
 * does not depend on that one: the shape is all it needs).
 */
export interface KnownMetReplica {
  /** Applies one patch; throws `ERR_CORRUPT` for a bad one. */
  apply(patch: KnownMetPatch): void;
  /**
   * Applies one binary patch ({@link KNOWN_MET_PATCH_TAGS}); keeps no view of `payload`. Throws
   * `ERR_CORRUPT` for a bad one or an unknown tag.
   */
  applyBytes(tag: number, payload: Uint8Array): void;
  /**
   * Streams the records held as a known.met file (the bytes of `encodeKnownMet`). With
   * `borrowChunks`, long runs of records are views of the replica's own storage, valid until the
   * next `apply`.
   */
  encode(): Iterable<Uint8Array>;
  /** Number of records held. */
  readonly size: number;
}

function patchError(message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_CORRUPT", `known.met replica: ${message}`, {
    details: { reason: "bad-patch" },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Compaction starts once garbage bytes (or dead slots) pass this share and the minimum below. */
const GARBAGE_SHARE = 0.25;
const MIN_GARBAGE_BYTES = 1024 * 1024;
const MIN_DEAD_SLOTS = 1024;

/**
 * The records of a {@link KnownMetReplica}: their wire bytes in a {@link RecordArena} (slot order
 * is record order) and an {@link Md4SlotIndex} from MD4 hash to slot.
 */
class ReplicaRecords {
  arena = new RecordArena();
  index = new Md4SlotIndex(this.arena);

  put(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw patchError("put needs record bytes");
    let end: number;
    try {
      end = recordEnd(bytes, 0);
    } catch (cause) {
      throw patchError("put holds no valid record", cause);
    }
    if (end !== bytes.length) throw patchError("put holds more than one record");
    const sizeOff = findSizeTag(bytes, 0);
    const large = sizeOff >= 0 && (tagFields.intNumber(bytes, sizeOff) ?? 0) > OLD_MAX_FILE_SIZE;
    const arena = this.arena;
    const slot = this.index.find(bytes, 4);
    if (slot >= 0 && arena.length[slot] === end) {
      // Same length (a changed counter or date, the common update): rewritten where it is.
      arena.overwrite(slot, bytes, large);
      return;
    }
    const slab = arena.append(bytes);
    if (slot < 0) this.index.insert(arena.push(slab, arena.appendedAt, end, large));
    else arena.repoint(slot, slab, arena.appendedAt, end, large);
    this.#compactIfWasteful();
  }

  remove(hash: Uint8Array): void {
    if (!(hash instanceof Uint8Array) || hash.byteLength !== 16) {
      throw patchError("delete needs a 16-byte MD4 hash");
    }
    const slot = this.index.remove(hash, 0);
    if (slot < 0) return;
    this.arena.kill(slot);
    this.#compactIfWasteful();
  }

  /**
   * Takes `file` over as the only slab; its records keep the file's order (a repeated hash keeps
   * its first place). The scan's record offsets become the slots' start row (rewritten in place
   * when a hash repeats), so loading allocates no per-record list beside the rows it keeps.
   */
  load(file: Uint8Array): void {
    let scan: ScannedKnownMet;
    try {
      scan = scanKnownMet(file);
    } catch (cause) {
      throw patchError("load holds no valid known.met", cause);
    }
    const { count, starts, sizes } = scan;
    const arena = new RecordArena(count + 1, starts);
    const index = new Md4SlotIndex(arena, count);
    const slab = arena.adopt(file);
    let next = starts[0] as number;
    for (let i = 0; i < count; i++) {
      // Read before push/repoint write slot `<= i` of the same array.
      const start = next;
      next = starts[i + 1] as number;
      const sizeOff = (sizes[i] as number) - 1;
      const large = sizeOff >= 0 && (tagFields.intNumber(file, sizeOff) ?? 0) > OLD_MAX_FILE_SIZE;
      const slot = index.find(file, start + 4);
      if (slot < 0) index.insert(arena.push(slab, start, next - start, large));
      else arena.repoint(slot, slab, start, next - start, large);
    }
    this.arena = arena;
    this.index = index;
  }

  /**
   * The records as a known.met file, like `encodeKnownMet` of the same records in slot order;
   * `borrow`: long runs as views of the slabs (see {@link ReplicaRuns}).
   */
  *encode(
    wanted: KnownMetHeader | "auto",
    chunkSize: number | undefined,
    borrow: boolean,
  ): Generator<Uint8Array, void, undefined> {
    const arena = this.arena;
    const header: KnownMetHeader = wanted !== "auto" ? wanted : arena.largeLive > 0 ? 0x0f : 0x0e;
    const runs = new ReplicaRuns(chunkSize, borrow);
    new RecordRunWriter(runs.writer).header(header, arena.live);
    for (let s = 0; s < arena.count; s++) {
      if (!arena.isLive(s)) continue;
      const start = arena.start[s] as number;
      const slab = arena.slabs[arena.slab[s] as number] as Uint8Array;
      runs.span(slab, start, start + (arena.length[s] as number));
      for (let chunk = runs.next(); chunk !== undefined; chunk = runs.next()) yield chunk;
    }
    runs.flush();
    runs.finish();
    for (let chunk = runs.next(); chunk !== undefined; chunk = runs.next()) yield chunk;
  }

  #compactIfWasteful(): void {
    const arena = this.arena;
    const garbage = arena.usedBytes - arena.liveBytes;
    const dead = arena.count - arena.live;
    if (
      (garbage > MIN_GARBAGE_BYTES && garbage > arena.usedBytes * GARBAGE_SHARE) ||
      (dead > MIN_DEAD_SLOTS && dead > arena.count * GARBAGE_SHARE)
    ) {
      arena.compact();
      this.index.rebuild(arena.count);
    }
  }
}

/**
 * Creates an empty known.met replica for `serveReplica` of `@snapwrite/executor-worker` (call it in the
 * module's `createReplica`). Records keep the order they were first put in (a `put` of a known hash
 * replaces the record where it is; `load` takes the file's order), which is the order the owner's
 * array has when it replaces records in place and appends new ones. `apply` validates every record
 * and throws `ERR_CORRUPT` for a bad patch (which stops the worker: the owner's `resync` rebuilds
 * it). `encode` streams the records with the rules of `encodeKnownMet`.
 *
 * Memory is about the records' wire bytes: a loaded file is kept as it is, new records are
 * appended to slabs of 64 KiB doubling up to 1 MiB, and per record there are 12 bytes of slot arrays and 4–8 bytes of hash
 * index, no object. A `put` of the same length as the record it replaces is written over it;
 * other replaced records and removed ones stay as garbage until it passes a quarter of the bytes,
 * then the live records are slid down inside their slabs (no second copy of the state).
 */
export function createKnownMetReplica(options: KnownMetReplicaOptions = {}): KnownMetReplica {
  if (typeof options !== "object" || options === null) {
    throw new TypeError("createKnownMetReplica: options must be an object");
  }
  const header = options.header === undefined ? "auto" : options.header;
  if (header !== "auto" && header !== 0x0e && header !== 0x0f) {
    throw new TypeError(
      `createKnownMetReplica: header must be 0x0E, 0x0F or "auto", got ${String(header)}`,
    );
  }
  const chunkSize = options.chunkSize;
  if (chunkSize !== undefined && (!Number.isSafeInteger(chunkSize) || chunkSize < 64)) {
    throw new RangeError(
      `createKnownMetReplica: chunkSize must be an integer >= 64, got ${JSON.stringify(chunkSize)}`,
    );
  }
  const borrow = options.borrowChunks ?? false;
  if (typeof borrow !== "boolean") {
    throw new TypeError(
      `createKnownMetReplica: borrowChunks must be a boolean, got ${JSON.stringify(borrow)}`,
    );
  }
  const records = new ReplicaRecords();
  return {
    apply(patch: KnownMetPatch): void {
      switch (patch?.op) {
        case "put":
          records.put(patch.record);
          break;
        case "delete":
          records.remove(patch.hash);
          break;
        case "load":
          records.load(patch.file);
          break;
        default:
          throw patchError(`unknown patch ${JSON.stringify((patch as { op?: unknown })?.op)}`);
      }
    },
    applyBytes(tag: number, payload: Uint8Array): void {
      if (tag === KNOWN_MET_PATCH_TAGS.put) records.put(payload);
      else if (tag === KNOWN_MET_PATCH_TAGS.delete) records.remove(payload);
      // The loaded file becomes the replica's storage: keep a copy, not the message's buffer.
      else if (tag === KNOWN_MET_PATCH_TAGS.load) records.load(payload.slice());
      else throw patchError(`unknown binary patch tag ${String(tag)}`);
    },
    encode(): Iterable<Uint8Array> {
      return records.encode(header, chunkSize, borrow);
    },
    get size(): number {
      return records.arena.live;
    },
  };
}
