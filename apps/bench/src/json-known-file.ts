import type { KnownFileSpec } from "./known-file-workload.js";

/** A known file as plain JSON (hashes as lowercase hex). */
export interface JsonKnownFile {
  readonly name: string;
  readonly size: number;
  readonly mtime: number;
  readonly hash: string;
  readonly parts: readonly string[];
  readonly aich?: string;
  readonly requests: number;
  readonly accepted: number;
  readonly transferred: number;
  readonly priority: number;
  readonly lastShared: number;
}

/** The JSON workload's whole state. */
export interface JsonKnownState {
  readonly version: 1;
  readonly files: readonly JsonKnownFile[];
}

const hex = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/** Converts a spec to its JSON form. */
export function toJsonKnownFile(spec: KnownFileSpec): JsonKnownFile {
  const file: JsonKnownFile = {
    name: spec.name,
    size: spec.size,
    mtime: spec.mtime,
    hash: hex(spec.hash),
    parts: spec.partHashes.map(hex),
    requests: spec.requests,
    accepted: spec.accepted,
    transferred: spec.transferred,
    priority: spec.priority,
    lastShared: spec.lastShared,
  };
  return spec.aichHash ? { ...file, aich: hex(spec.aichHash) } : file;
}

/** Wraps files into the JSON state. */
export function toJsonKnownState(files: readonly JsonKnownFile[]): JsonKnownState {
  return { version: 1, files };
}
