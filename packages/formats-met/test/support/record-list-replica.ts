import { PersistenceError } from "@snapwrite/core";
import { decodeKnownMet } from "../../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../../src/known-met/encode-known-met.js";
import type { KnownFileRecord } from "../../src/known-met/known-file-record.js";
import {
  KNOWN_MET_PATCH_TAGS,
  type KnownMetPatch,
  type KnownMetReplica,
  type KnownMetReplicaOptions,
} from "../../src/known-met/known-met-replica.js";

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
 * The record-list replica that `createKnownMetReplica` replaced (a view per record, a string-keyed
 * `Map`), kept as the oracle of its property test: same patches, same bytes.
 */
export function createRecordListReplica(options: KnownMetReplicaOptions = {}): KnownMetReplica {
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
