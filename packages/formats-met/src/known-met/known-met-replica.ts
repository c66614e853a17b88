import { PersistenceError } from "@snapwrite/core";
import { decodeKnownMet } from "./decode-known-met.js";
import { encodeKnownMet } from "./encode-known-met.js";
import type { KnownFileRecord } from "./known-file-record.js";
import type { KnownMetHeader } from "./known-met.js";

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
 * transfer list: it then moves instead of being copied.
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
  /** Streams the records held as a known.met file (`encodeKnownMet`). */
  encode(): Iterable<Uint8Array>;
  /** Number of records held. */
  readonly size: number;
}

function hashKey(bytes: Uint8Array, offset: number): string {
  let key = "";
  for (let i = offset; i < offset + 16; i++) key += String.fromCharCode(bytes[i] as number);
  return key;
}

function patchError(message: string, cause?: unknown): PersistenceError {
  return new PersistenceError("ERR_CORRUPT", `known.met replica: ${message}`, {
    details: { reason: "bad-patch" },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Creates an empty known.met replica for `serveReplica` of `@snapwrite/executor-worker` (call it in the
 * module's `createReplica`). Records keep the order they were first put in (a `put` of a known hash
 * replaces the record where it is; `load` takes the file's order), which is the order the owner's
 * array has when it replaces records in place and appends new ones. `apply` validates every record
 * and throws `ERR_CORRUPT` for a bad patch (which stops the worker: the owner's `resync` rebuilds
 * it). `encode` streams the records with `encodeKnownMet`.
 */
export function createKnownMetReplica(options: KnownMetReplicaOptions = {}): KnownMetReplica {
  const header = options.header ?? "auto";
  if (header !== "auto" && header !== 0x0e && header !== 0x0f) {
    throw new TypeError(`header must be 0x0E, 0x0F or "auto", got ${String(header)}`);
  }
  const encodeOptions = { chunkSize: options.chunkSize };
  // Dense array plus an index; deletes leave holes that encode() compacts once, in the worker.
  let records: Array<KnownFileRecord | undefined> = [];
  let index = new Map<string, number>();
  let holes = 0;

  function compact(): void {
    if (holes === 0) return;
    const dense: KnownFileRecord[] = [];
    const next = new Map<string, number>();
    for (const record of records) {
      if (record === undefined) continue;
      next.set(hashKey(record.hash, 0), dense.length);
      dense.push(record);
    }
    records = dense;
    index = next;
    holes = 0;
  }

  function put(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw patchError("put needs record bytes");
    // Decoding a one-record file validates the bytes and finds FT_FILESIZE for the "auto" header.
    const file = new Uint8Array(5 + bytes.byteLength);
    file[0] = 0x0f;
    file[1] = 1;
    file.set(bytes, 5);
    let record: KnownFileRecord | undefined;
    try {
      record = decodeKnownMet(file).records[0];
    } catch (cause) {
      throw patchError("put holds no valid record", cause);
    }
    if (record === undefined) throw patchError("put holds no valid record");
    const key = hashKey(bytes, 4);
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, records.length);
      records.push(record);
    } else {
      records[at] = record;
    }
  }

  function remove(hash: Uint8Array): void {
    if (!(hash instanceof Uint8Array) || hash.byteLength !== 16) {
      throw patchError("delete needs a 16-byte MD4 hash");
    }
    const key = hashKey(hash, 0);
    const at = index.get(key);
    if (at === undefined) return;
    index.delete(key);
    records[at] = undefined;
    holes++;
    if (holes > 1024 && holes * 2 > records.length) compact();
  }

  function load(file: Uint8Array): void {
    let loaded: readonly KnownFileRecord[];
    try {
      loaded = decodeKnownMet(file).records;
    } catch (cause) {
      throw patchError("load holds no valid known.met", cause);
    }
    const next = new Map<string, number>();
    const dense: KnownFileRecord[] = [];
    for (const record of loaded) {
      const key = hashKey(record.hash, 0);
      const at = next.get(key);
      if (at === undefined) {
        next.set(key, dense.length);
        dense.push(record);
      } else {
        dense[at] = record;
      }
    }
    records = dense;
    index = next;
    holes = 0;
  }

  return {
    apply(patch: KnownMetPatch): void {
      switch (patch?.op) {
        case "put":
          put(patch.record);
          break;
        case "delete":
          remove(patch.hash);
          break;
        case "load":
          load(patch.file);
          break;
        default:
          throw patchError(`unknown patch ${JSON.stringify((patch as { op?: unknown })?.op)}`);
      }
    },
    applyBytes(tag: number, payload: Uint8Array): void {
      if (tag === KNOWN_MET_PATCH_TAGS.put) put(payload);
      else if (tag === KNOWN_MET_PATCH_TAGS.delete) remove(payload);
      // The records of a loaded file are views into it: keep a copy, not the message's buffer.
      else if (tag === KNOWN_MET_PATCH_TAGS.load) load(payload.slice());
      else throw patchError(`unknown binary patch tag ${String(tag)}`);
    },
    encode(): Iterable<Uint8Array> {
      compact();
      return encodeKnownMet({ header, records: records as KnownFileRecord[] }, encodeOptions);
    },
    get size(): number {
      return index.size;
    },
  };
}
