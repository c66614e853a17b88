import type { FsPort } from "@snapwrite/core";
import { createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { crc32c, openAppendLog, readAppendLog } from "../src/index.js";
import { enc } from "./helpers.js";

const JSONL = "/logs/chat.jsonl";
const FRAMED = "/logs/chat.bin";

async function readAll(fs: FsPort, path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readAppendLog({ fs, path })) {
    out.push("problem" in e ? `${e.problem}@${e.offset}+${e.bytes}` : String(e.seq));
  }
  return out;
}

/** A log of `format` with three records. */
async function logOfThree(format: "jsonl" | "framed"): Promise<MemoryFs> {
  const fs = createMemoryFs({ "/logs": null });
  const path = format === "jsonl" ? JSONL : FRAMED;
  const log = await openAppendLog({ fs, path, format });
  for (const text of ["one", "two", "three"]) {
    await log.append(format === "jsonl" ? { text } : enc(text));
  }
  await log.close();
  return fs;
}

async function edit(
  fs: MemoryFs,
  path: string,
  change: (bytes: Uint8Array) => Uint8Array | undefined,
): Promise<void> {
  const bytes = new Uint8Array(await fs.readFile(path));
  fs.vol.writeFileSync(path, change(bytes) ?? bytes);
}

function replaceText(fs: MemoryFs, path: string, from: string, to: string): Promise<void> {
  return edit(fs, path, (bytes) => {
    const text = new TextDecoder().decode(bytes);
    expect(text).toContain(from);
    return enc(text.replace(from, to));
  });
}

/** Sets a framed file's header version and, when `fixChecksum`, its checksum to match. */
function setFramedVersion(bytes: Uint8Array, version: number, fixChecksum: boolean): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint16(8, version, true);
  if (fixChecksum) view.setUint32(36, crc32c(bytes, 0, 36), true);
  return bytes;
}

/** Opens, expecting a refusal that moved nothing and changed no byte. */
async function expectRefused(
  fs: MemoryFs,
  path: string,
  format: "jsonl" | "framed",
  expected: object,
): Promise<void> {
  const before = fs.toBinary();
  await expect(openAppendLog({ fs, path, format })).rejects.toMatchObject(expected);
  expect(fs.toBinary()).toEqual(before);
}

describe("append log: a damaged or newer header is never taken for a torn file", () => {
  it("jsonl: one damaged byte in the header is ERR_CORRUPT naming the file; the reader reads the records behind it", async () => {
    const fs = await logOfThree("jsonl");
    await replaceText(fs, JSONL, '"$snapwrite":"log"', '"$snapwrite":"lof"');
    await expectRefused(fs, JSONL, "jsonl", {
      code: "ERR_CORRUPT",
      target: "chat.jsonl",
      message: expect.stringContaining("chat.jsonl"),
      details: { reason: "header", offset: 0 },
    });
    const header = new TextDecoder().decode(await fs.readFile(JSONL)).indexOf("\n") + 1;
    expect(await readAll(fs, JSONL)).toEqual([`corrupt@0+${header}`, "1", "2", "3"]);
  });

  it("jsonl: a header that is no JSON, followed by records, is damage too", async () => {
    const fs = await logOfThree("jsonl");
    await replaceText(fs, JSONL, '{"$snapwrite"', '{"$snapwrite');
    await expectRefused(fs, JSONL, "jsonl", { code: "ERR_CORRUPT", target: "chat.jsonl" });
    expect((await readAll(fs, JSONL)).slice(1)).toEqual(["1", "2", "3"]);
  });

  it('jsonl: a header of a newer version ("v":2) is a typed error for the writer and the reader', async () => {
    const fs = await logOfThree("jsonl");
    await replaceText(fs, JSONL, '"v":1', '"v":2');
    const newer = {
      code: "ERR_CORRUPT",
      target: "chat.jsonl",
      message: expect.stringMatching(/newer version 2 of the log format.*reads version 1/),
      details: { reason: "version", version: 2, supported: 1 },
    };
    await expectRefused(fs, JSONL, "jsonl", newer);
    await expect(readAll(fs, JSONL)).rejects.toMatchObject(newer);
  });

  it("jsonl: a file holding nothing but an unfinished header line is still torn: moved aside, seqs start over", async () => {
    const fs = createMemoryFs({ "/logs": null, [JSONL]: '{"$snapwrite":"log","v' });
    expect(await readAll(fs, JSONL)).toEqual(["torn@0+22"]);
    const log = await openAppendLog({ fs, path: JSONL });
    expect(log.repairs).toEqual([expect.objectContaining({ offset: 0, bytes: 22 })]);
    expect((await log.append("x")).seq).toBe(1);
    await log.close();
  });

  it("framed: a damaged header byte is ERR_CORRUPT; the reader checks the records behind it with the file's salt", async () => {
    const fs = await logOfThree("framed");
    await edit(fs, FRAMED, (bytes) => {
      bytes[25] = (bytes[25] as number) ^ 0x10; // createdAt: the header checksum no longer matches
      return bytes;
    });
    await expectRefused(fs, FRAMED, "framed", {
      code: "ERR_CORRUPT",
      target: "chat.bin",
      details: { reason: "checksum" },
    });
    expect(await readAll(fs, FRAMED)).toEqual(["corrupt@0+40", "1", "2", "3"]);
  });

  it("framed: a header of a newer version is a typed error; a damaged version field is damage", async () => {
    const fs = await logOfThree("framed");
    await edit(fs, FRAMED, (bytes) => setFramedVersion(bytes, 2, true));
    const newer = { code: "ERR_CORRUPT", details: { reason: "version", version: 2, supported: 1 } };
    await expectRefused(fs, FRAMED, "framed", newer);
    await expect(readAll(fs, FRAMED)).rejects.toMatchObject(newer);
    await edit(fs, FRAMED, (bytes) => setFramedVersion(bytes, 3, false));
    await expectRefused(fs, FRAMED, "framed", { details: { reason: "checksum" } });
  });

  it("framed: a header cut short (nothing after it) is still torn", async () => {
    const fs = await logOfThree("framed");
    await edit(fs, FRAMED, (bytes) => bytes.subarray(0, 30));
    const log = await openAppendLog({ fs, path: FRAMED, format: "framed" });
    expect(log.repairs).toEqual([expect.objectContaining({ offset: 0, bytes: 30 })]);
    await log.close();
  });

  it("a log of the other format is refused, not moved aside", async () => {
    const framed = await logOfThree("framed");
    await expectRefused(framed, FRAMED, "jsonl", {
      code: "ERR_CORRUPT",
      message: expect.stringContaining('is a framed log; open it with format: "framed"'),
    });
    const jsonl = await logOfThree("jsonl");
    await expectRefused(jsonl, JSONL, "framed", {
      code: "ERR_CORRUPT",
      message: expect.stringContaining('is a jsonl log; open it with format: "jsonl"'),
    });
  });

  it("a newest rotated file with a damaged header: the next file goes on after its records", async () => {
    const fs = createMemoryFs({ "/logs": null });
    const log = await openAppendLog({ fs, path: JSONL });
    for (const n of [1, 2, 3]) await log.append(n);
    const rotated = `/logs/${await log.rotate()}`;
    await log.close();
    await fs.unlink(JSONL);
    await replaceText(fs, rotated, '"v":1', '"v":1.5');
    const again = await openAppendLog({ fs, path: JSONL });
    expect((await again.append(4)).seq).toBe(4);
    await again.close();
  });
});
