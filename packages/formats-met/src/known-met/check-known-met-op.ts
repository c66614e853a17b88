import type { KnownMetOp } from "./known-met-op.js";

/** The 16 bytes of an MD4 hash as a string, usable as a `Map` key. */
export function hashKey(hash: Uint8Array): string {
  let key = "";
  for (let i = 0; i < 16; i++) key += String.fromCharCode(hash[i] as number);
  return key;
}

/** Throws a `TypeError` naming `ops[index]` unless `op` is a well-formed {@link KnownMetOp}. */
export function checkKnownMetOp(op: unknown, index: number): asserts op is KnownMetOp {
  const kind = (op as { op?: unknown } | null)?.op;
  if (kind === "upsert") {
    const hash = (op as { record?: { hash?: unknown } }).record?.hash;
    if (hash instanceof Uint8Array && hash.byteLength === 16) return;
    throw new TypeError(`ops[${index}].record must be a KnownFileRecord`);
  }
  if (kind === "remove") {
    const hash = (op as { hash?: unknown }).hash;
    if (hash instanceof Uint8Array && hash.byteLength === 16) return;
    throw new TypeError(`ops[${index}].hash must be a 16-byte MD4 hash`);
  }
  throw new TypeError(`ops[${index}].op must be "upsert" or "remove"`);
}
