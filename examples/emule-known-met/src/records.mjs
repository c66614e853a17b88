import { randomFillSync } from "node:crypto";
import {
  createKnownFileRecord,
  ED2K_PART_SIZE,
  ed2kPartHashCount,
  md4,
} from "@snapwrite/formats-met";

const EXTENSIONS = ["avi", "mkv", "mp3", "iso", "zip", "pdf", "flac", "epub"];

/**
 * `count` synthetic shared files, as a fresh eMule would build them after hashing: most below one
 * ed2k part, some of several parts. Part hashes are random bytes (the bench of a real client would
 * MD4 the file's contents); the file hash of a multi-part file is the MD4 of its part hashes, as the
 * ed2k rule wants and `snapwrite-met verify` checks.
 */
export function generateRecords(count) {
  const random = new Uint8Array(count * 16);
  randomFillSync(random);
  const records = new Array(count);
  for (let i = 0; i < count; i++) {
    const parts = i % 10 === 0 ? 1 + (i % 7) : 0;
    const size =
      parts === 0 ? 1000 + ((i * 7919) % (ED2K_PART_SIZE - 1000)) : parts * ED2K_PART_SIZE + 12_345;
    const partCount = ed2kPartHashCount(size);
    const partHashes = new Uint8Array(16 * partCount);
    if (partCount > 0) randomFillSync(partHashes);
    records[i] = createKnownFileRecord(
      {
        name: `shared file ${i}.${EXTENSIONS[i % EXTENSIONS.length]}`,
        size,
        mtime: 1_700_000_000 + i,
        hash: partCount > 0 ? md4(partHashes) : random.subarray(i * 16, i * 16 + 16),
        partHashes,
        requests: i % 5,
        accepted: i % 3,
        transferred: i * 1000,
        lastShared: 1_700_000_000,
      },
      { flavor: "emule" },
    );
  }
  return records;
}

/** The same record with one more upload request and one more accepted upload of `bytes` bytes. */
export function withUpload(record, bytes, now) {
  return createKnownFileRecord(
    {
      name: record.name ?? "unnamed",
      size: record.size ?? 0n,
      mtime: record.date,
      hash: record.hash,
      partHashes: record.partHashes,
      ...(record.aichHash ? { aichHash: record.aichHash } : {}),
      requests: (record.requests ?? 0) + 1,
      accepted: (record.accepted ?? 0) + 1,
      transferred: record.transferred + BigInt(bytes),
      ...(record.priority !== undefined ? { priority: record.priority } : {}),
      lastShared: now,
    },
    { flavor: "emule" },
  );
}
