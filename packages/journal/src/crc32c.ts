/** Reflected Castagnoli polynomial (CRC-32C, iSCSI / ext4 / LevelDB). */
const POLY = 0x82f63b78;

/** Slicing-by-8 tables: `TABLES[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes. */
const TABLES = buildTables();

function buildTables(): Uint32Array {
  const tables = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ POLY : crc >>> 1;
    tables[b] = crc >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let crc = tables[b] as number;
    for (let k = 1; k < 8; k++) {
      crc = (tables[crc & 0xff] as number) ^ (crc >>> 8);
      tables[k * 256 + b] = crc >>> 0;
    }
  }
  return tables;
}

/**
 * CRC-32C (Castagnoli) of `bytes[start, end)`, continuing from `previous` (the CRC of what came
 * before, 0 for none): `crc32c(b, 0, n, crc32c(a))` equals the CRC of `a` followed by `b`. The
 * journal passes a per-segment salt as `previous`, so records of another segment never validate.
 * Slicing-by-8 in plain JavaScript.
 */
export function crc32c(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.byteLength,
  previous = 0,
): number {
  const t = TABLES;
  let crc = ~previous >>> 0;
  let i = start;
  const stop8 = end - ((end - i) & 7);
  while (i < stop8) {
    const lo =
      (crc ^
        (bytes[i] as number) ^
        ((bytes[i + 1] as number) << 8) ^
        ((bytes[i + 2] as number) << 16) ^
        ((bytes[i + 3] as number) << 24)) >>>
      0;
    crc =
      (t[1792 + (lo & 0xff)] as number) ^
      (t[1536 + ((lo >>> 8) & 0xff)] as number) ^
      (t[1280 + ((lo >>> 16) & 0xff)] as number) ^
      (t[1024 + (lo >>> 24)] as number) ^
      (t[768 + (bytes[i + 4] as number)] as number) ^
      (t[512 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
    i += 8;
  }
  while (i < end) {
    crc = (t[(crc ^ (bytes[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}
