import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";
import { enc } from "./helpers.js";

const DIR = "/logs";
const PATH = `${DIR}/chat.bin`;
const ROTATED = "chat.0000000000000001.bin";

async function readAll(fs: MemoryFs, format?: "jsonl" | "framed"): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readAppendLog({ fs, path: PATH, ...(format ? { format } : {}) })) {
    out.push("problem" in e ? `${e.problem}@${e.file}:${e.offset}+${e.bytes}` : String(e.seq));
  }
  return out;
}

/** A framed log: `rotated` records in a rotated file (when > 0), then `active` in the active one. */
async function framedLog(rotated: number, active: number): Promise<MemoryFs> {
  const fs = createMemoryFs({ [DIR]: null });
  const log = await openAppendLog({ fs, path: PATH, format: "framed" });
  for (let i = 0; i < rotated; i++) await log.append(enc(`r${i}`));
  if (rotated > 0) await log.rotate();
  for (let i = 0; i < active; i++) await log.append(enc(`a${i}`));
  await log.close();
  return fs;
}

/** Flips one bit of byte `at` of `file`. */
async function flip(fs: MemoryFs, file: string, at: number): Promise<void> {
  const bytes = new Uint8Array(await fs.readFile(`${DIR}/${file}`));
  bytes[at] = (bytes[at] as number) ^ 1;
  fs.vol.writeFileSync(`${DIR}/${file}`, bytes);
}

describe("a framed file whose magic (bytes 0-7) is damaged", () => {
  for (const at of [0, 3, 7]) {
    it(`byte ${at} of the only file: corrupt at offset 0, then the records, with format: "framed"`, async () => {
      const fs = await framedLog(0, 4);
      await flip(fs, "chat.bin", at);
      expect(await readAll(fs, "framed")).toEqual(["corrupt@chat.bin:0+40", "1", "2", "3", "4"]);
    });
  }

  it("the only file, without a format: read as framed when a record behind the header checks out with its salt", async () => {
    const fs = await framedLog(0, 4);
    await flip(fs, "chat.bin", 0);
    expect(await readAll(fs)).toEqual(["corrupt@chat.bin:0+40", "1", "2", "3", "4"]);
  });

  it("a jsonl file with a damaged header and no other file stays jsonl", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const log = await openAppendLog({ fs, path: PATH });
    await log.append({ a: 1 });
    await log.close();
    await flip(fs, "chat.bin", 0);
    expect(await readAll(fs)).toEqual(["corrupt@chat.bin:0+66", "1"]);
  });

  it("an active file is read in the format of the rotated files", async () => {
    const fs = await framedLog(2, 3);
    await flip(fs, "chat.bin", 0);
    expect(await readAll(fs)).toEqual(["1", "2", "corrupt@chat.bin:0+40", "3", "4", "5"]);
  });

  it("a rotated file is read in the format of the active one", async () => {
    const fs = await framedLog(2, 3);
    await flip(fs, ROTATED, 0);
    expect(await readAll(fs)).toEqual([`corrupt@${ROTATED}:0+40`, "1", "2", "3", "4", "5"]);
  });

  it("a file in jsonl with an intact header is still read as jsonl", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const log = await openAppendLog({ fs, path: PATH });
    await log.append({ a: 1 });
    await log.close();
    expect(await readAll(fs, "framed")).toEqual(["1"]);
  });

  it("a format that is neither is a TypeError when the iteration starts", async () => {
    const fs = await framedLog(0, 1);
    const read = readAppendLog({ fs, path: PATH, format: "binary" as never });
    await expect(read.next()).rejects.toThrow(
      new TypeError('readAppendLog: format must be "jsonl" or "framed", got "binary"'),
    );
  });
});
