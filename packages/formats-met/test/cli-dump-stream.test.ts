import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatChunks } from "@snapwrite/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run-cli.js";
import { OUTPUT_BATCH } from "../src/cli/write-output.js";
import { createKnownFileRecord } from "../src/known-met/create-known-file-record.js";
import { decodeKnownMet } from "../src/known-met/decode-known-met.js";
import { encodeKnownMet } from "../src/known-met/encode-known-met.js";
import { peekRecord, pendingRecordsOf } from "../src/known-met/lazy-record-list.js";
import { createMetTag } from "../src/tags/create-met-tag.js";
import { regularFileStats } from "./support/regular-file-stats.js";

const CLI = new URL("../dist/cli.js", import.meta.url).pathname;

/** A known.met of `count` records with names, statistics and extra tags of several types. */
function knownMet(count: number): Uint8Array {
  const records = Array.from({ length: count }, (_, i) => {
    const hash = new Uint8Array(16);
    new DataView(hash.buffer).setUint32(0, i);
    return createKnownFileRecord(
      {
        name: i % 5 === 0 ? `привет "${i}".txt` : `file-${i}.bin`,
        size: 1000 + i,
        mtime: 1_600_000_000 + i,
        hash,
        partHashes: [],
        requests: i,
        transferred: BigInt(i) * 4_000_000_000n,
        extraTags: [createMetTag({ id: 0xd0, type: "string", value: `artist\n${i}` })],
      },
      { flavor: "amule" },
    );
  });
  return concatChunks(encodeKnownMet({ header: 0x0e, records }));
}

/**
 * Runs `args` on `bytes` with a standard output that settles each write only on a later
 * macrotask, and records every write and any write made while the previous one was pending.
 */
async function runSlowOutput(args: string[], bytes: Uint8Array, failAt = -1) {
  const writes: string[] = [];
  let pending = false;
  let overlapping = 0;
  let stderr = "";
  const status = await runCli(args, {
    stdout: (text) => {
      if (pending) overlapping++;
      writes.push(text);
      pending = true;
      return new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          pending = false;
          if (writes.length - 1 === failAt) {
            reject(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
          } else resolve();
        });
      });
    },
    stderr: (text) => {
      stderr += text;
    },
    stat: async () => regularFileStats(bytes.length),
    readFile: async () => bytes,
  });
  return { status, writes, overlapping, stderr, stdout: writes.join("") };
}

describe("snapwrite-met dump streams its output", () => {
  const bytes = knownMet(3000);

  it("writes the JSON dump in bounded pieces, one at a time, and the same text as one JSON.stringify", async () => {
    const { status, writes, overlapping, stdout } = await runSlowOutput(
      ["dump", "big.met", "--json"],
      bytes,
    );
    expect(status).toBe(0);
    expect(overlapping).toBe(0);
    expect(writes.length).toBeGreaterThan(10);
    // A piece ends at the first record that takes it to OUTPUT_BATCH: one record (< 4 KiB here) over.
    for (const text of writes) expect(text.length).toBeLessThan(OUTPUT_BATCH + 4096);
    const document = JSON.parse(stdout);
    expect(`${JSON.stringify(document, null, 2)}\n`).toBe(stdout);
    expect(document).toMatchObject({ format: "known.met", header: "0x0e", count: 3000 });
    expect(document.records).toHaveLength(3000);
    expect(document.records[2999]).toMatchObject({ index: 2999, name: "file-2999.bin" });
    expect(document.records[5].tags.at(-1)).toMatchObject({ value: "artist\n5" });
  });

  it("writes the text dump in bounded pieces, one at a time, one block per record", async () => {
    const { status, writes, overlapping, stdout } = await runSlowOutput(["dump", "big.met"], bytes);
    expect(status).toBe(0);
    expect(overlapping).toBe(0);
    expect(writes.length).toBeGreaterThan(3);
    for (const text of writes) expect(text.length).toBeLessThan(OUTPUT_BATCH + 4096);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe("known.met: header 0x0e, 3000 records");
    // Each record: its heading, its size line, and its 9 tags; then the final newline.
    expect(lines).toHaveLength(1 + 3000 * 11 + 1);
    expect(lines.at(-1)).toBe("");
    expect(lines[1 + 2999 * 11]).toMatch(
      /^\[2999\] 00000BB7000000000000000000000000 "file-2999.bin"$/,
    );
  });

  it("stops at the first failed write with one line on stderr and status 2", async () => {
    const { status, writes, stderr } = await runSlowOutput(["dump", "big.met", "--json"], bytes, 1);
    expect(status).toBe(2);
    expect(writes).toHaveLength(2);
    expect(stderr).toBe(
      "snapwrite-met: cannot write standard output: EPIPE: broken pipe (the reader closed it)\n",
    );
  });

  it("reads the records of a decoded file without keeping a view of each", () => {
    const records = decodeKnownMet(bytes).records;
    const state = pendingRecordsOf(records);
    for (let i = 0; i < records.length; i++) {
      expect(peekRecord(records, i).requests).toBe(i);
    }
    expect(state?.pending.every((flag) => flag === 1)).toBe(true);
    const read = records[7];
    expect(peekRecord(records, 7)).toBe(read);
  });
});

describe("snapwrite-met dump as a process", () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "snapwrite-met-dump-"));
    file = join(dir, "big.met");
    await writeFile(file, knownMet(60_000));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("dumps a file whose JSON text is far larger than its heap limit", () => {
    // About 55 MB of JSON from a 5 MB file, with a 32 MB heap: building the text whole fails.
    const child = spawnSync("node", ["--max-old-space-size=32", CLI, "dump", file, "--json"], {
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
  });

  it("says in one line that the reader closed the pipe, without a stack trace", async () => {
    const child = spawn("node", [CLI, "dump", file, "--json"], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    // Close the reading end once the dump has started: its next write fails with EPIPE.
    child.stdout.once("data", () => child.stdout.destroy());
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe(
      "snapwrite-met: cannot write standard output: EPIPE: broken pipe (the reader closed it)\n",
    );
    expect(status).toBe(2);
  });
});
