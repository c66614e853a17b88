import type { FsPort } from "@snapwrite/core";
import { createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";

const PATH = "/logs/blob.bin";

async function readAll(fs: FsPort, maxRecordBytes?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readAppendLog({ fs, path: PATH, maxRecordBytes })) {
    out.push(
      "problem" in e
        ? `${e.problem}@${e.offset}`
        : `${e.seq}:${(e.value as Uint8Array).byteLength}`,
    );
  }
  return out;
}

/** A framed log written with `maxRecordBytes: 4096`: 3 bytes, 2,000 bytes, then `after` more. */
async function writtenWithLargerBound(after: number[] = []) {
  const fs = createMemoryFs({ "/logs": null });
  const log = await openAppendLog({ fs, path: PATH, format: "framed", maxRecordBytes: 4096 });
  for (const size of [3, 2000, ...after]) await log.append(new Uint8Array(size).fill(7));
  return { fs, log };
}

const tooLarge = {
  name: "PersistenceError",
  code: "ERR_CORRUPT",
  target: "blob.bin",
  message: expect.stringContaining("maxRecordBytes of at least 2000"),
  details: { reason: "length", bytes: 2000, maxRecordBytes: 1024 },
};

describe("append log: a whole record above a later maxRecordBytes", () => {
  it("is refused at open with ERR_CORRUPT saying to raise maxRecordBytes; nothing is cut or moved, no seq reused", async () => {
    const { fs, log } = await writtenWithLargerBound();
    await log.close();
    const before = fs.toBinary();
    await expect(
      openAppendLog({ fs, path: PATH, format: "framed", maxRecordBytes: 1024 }),
    ).rejects.toMatchObject(tooLarge);
    expect(fs.toBinary()).toEqual(before);
    const again = await openAppendLog({ fs, path: PATH, format: "framed", maxRecordBytes: 4096 });
    expect((await again.append(new Uint8Array([1]))).seq).toBe(3);
    await again.close();
  });

  it("is refused by the reader, after the records before it; a large enough bound reads it", async () => {
    const { fs, log } = await writtenWithLargerBound([5]);
    await log.close();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of readAppendLog({ fs, path: PATH, maxRecordBytes: 1024 })) {
        seen.push("problem" in e ? e.problem : String(e.seq));
      }
    })();
    await expect(reading).rejects.toMatchObject(tooLarge);
    expect(seen).toEqual(["1"]);
    expect(await readAll(fs, 4096)).toEqual(["1:3", "2:2000", "3:5"]);
  });

  it("in the newest rotated file, when the active one is gone: refused, no seq reused", async () => {
    const { fs, log } = await writtenWithLargerBound();
    const rotated = await log.rotate();
    await log.close();
    await fs.unlink(PATH);
    await expect(
      openAppendLog({ fs, path: PATH, format: "framed", maxRecordBytes: 1024 }),
    ).rejects.toMatchObject({ ...tooLarge, target: rotated });
    expect(await fs.readdir("/logs")).toEqual([rotated]);
  });

  it("a record cut short is still a torn tail, whatever its length field says", async () => {
    const { fs, log } = await writtenWithLargerBound();
    await log.close();
    const bytes = await fs.readFile(PATH);
    fs.vol.writeFileSync(PATH, bytes.subarray(0, bytes.byteLength - 10));
    const again = await openAppendLog({ fs, path: PATH, format: "framed", maxRecordBytes: 1024 });
    expect(again.repairs).toEqual([expect.objectContaining({ bytes: 2020 - 10 })]);
    expect((await again.append(new Uint8Array([1]))).seq).toBe(2);
    await again.close();
  });
});
