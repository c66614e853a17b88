import { type ChunkWriter, createChunkWriter } from "@snapwrite/core/codec-kit";
import { writeJsonString } from "./json-text-writer.js";

const COLON = 0x3a;
const SPACE = 0x20;
const MAX_CACHED_KEY = 64;
const MAX_CACHED_KEYS = 4096;

/**
 * Writes object keys with their colon (and space, when indented). Records repeat their keys: each
 * short key is encoded once per document, not once per record.
 */
export class JsonKeyWriter {
  private readonly cache = new Map<string, Uint8Array>();
  private readonly maxCachedKey: number;
  private readonly indent: number;

  constructor(chunkSize: number, indent: number) {
    this.indent = indent;
    // A cached member must fit in one chunk: each character takes at most 6 bytes (an escape).
    this.maxCachedKey = Math.min(MAX_CACHED_KEY, Math.floor((chunkSize - 4) / 6));
  }

  write(out: ChunkWriter, key: string): void {
    let encoded = this.cache.get(key);
    if (encoded === undefined) {
      if (key.length > this.maxCachedKey || this.cache.size >= MAX_CACHED_KEYS) {
        this.member(out, key);
        return;
      }
      const member = createChunkWriter({ chunkSize: MAX_CACHED_KEY * 6 + 4 });
      this.member(member, key);
      encoded = member.finish() as Uint8Array;
      this.cache.set(key, encoded);
    }
    out.copy(encoded);
  }

  private member(out: ChunkWriter, key: string): void {
    writeJsonString(out, key);
    out.u8(COLON);
    if (this.indent > 0) out.u8(SPACE);
  }
}
