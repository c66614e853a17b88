import { accessSync, constants, createReadStream, existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { concatChunks } from "@snapwrite/testkit";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addAmuleCanceledFile } from "../src/canceled/add-amule-canceled-file.js";
import { amuleCanceledMetCodec } from "../src/canceled/amule-canceled-met-codec.js";
import { computeEd2kHashes, type Ed2kHashes } from "../src/hash/compute-ed2k-hashes.js";
import { createKnownFileRecord } from "../src/known-met/create-known-file-record.js";
import { knownMetCodec } from "../src/known-met/known-met-codec.js";
import { sortKnownFileRecordsAmule } from "../src/known-met/sort-known-file-records.js";
import { appendKnown2Entry } from "../src/known2/append-known2-entry.js";
import type { Known2Entry } from "../src/known2/known2-met.js";
import { known2MetCodec } from "../src/known2/known2-met-codec.js";
import { AMULE_SET1, fileContent } from "./support/amule-file-set.js";
import { fromHex, toHex } from "./support/corrupt.js";
import { pickHarnessPortBase } from "./support/harness-ports.js";
import { REPO_ROOT } from "./support/read-fixture.js";

// The harness lives in the shared directory cloned next to the repository.
const HARNESS = path.resolve(REPO_ROOT, "../shared/met/amule-harness.sh");
const REQUIRED = process.env.SNAPWRITE_REQUIRE_AMULE === "1";

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

const missing: string[] = [];
if (!onPath("amuled")) missing.push("amuled");
if (!onPath("amulecmd")) missing.push("amulecmd");
if (!existsSync(HARNESS)) missing.push(`the harness (${HARNESS})`);
const AVAILABLE = missing.length === 0;
const WHY = `missing ${missing.join(", ")} (apt-get install amule-daemon amule-utils)`;

// Every harness run is capped below the vitest timeout of the hook or test that starts it:
// the harness caps amuled itself (AMULED_TIMEOUT, HASH_TIMEOUT) and execa kills the harness
// (whose EXIT trap stops the daemon it started) if that is not enough. The test picks the ports
// (see support/harness-ports.ts) and keeps the daemon's home until it has read its log.
const HARNESS_ENV = { AMULED_TIMEOUT: "100", HASH_TIMEOUT: "80", KEEP_HOME: "1" };
const HARNESS_KILL_MS = 140_000;
/** Runs of the harness that failed to start the daemon (EC never answered) are retried once. */
const START_ATTEMPTS = 2;
const START_FAILURES = ["EC did not come up", "amuled exited early"];

/** The vitest timeout for a hook or test that runs the harness `runs` times. */
function budgetMs(runs: number): number {
  return runs * START_ATTEMPTS * HARNESS_KILL_MS + 20_000;
}

const timings: Record<string, number> = {};

/** The temp home the harness kept (KEEP_HOME=1), if it made one. */
function keptHome(output: string): string | undefined {
  const home = /kept temp home: (.+)$/m.exec(output)?.[1]?.trim();
  return home !== undefined && path.basename(home).startsWith("amule-harness.") ? home : undefined;
}

async function daemonLogTail(home: string | undefined): Promise<string> {
  if (home === undefined) return "(no daemon home)";
  try {
    const text = await readFile(path.join(home, "amuled.stdout"), "utf8");
    return text.split("\n").slice(-25).join("\n");
  } catch (error) {
    return `(no daemon log: ${(error as Error).message})`;
  }
}

async function harness(label: string, ...args: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const base = await pickHarnessPortBase();
    const t0 = performance.now();
    const result = await execa("sh", [HARNESS, ...args], {
      env: { ...HARNESS_ENV, HARNESS_PORT_BASE: String(base) },
      timeout: HARNESS_KILL_MS,
      reject: false,
      all: true,
    });
    timings[attempt === 1 ? label : `${label} (start attempt ${attempt})`] = Math.round(
      performance.now() - t0,
    );
    const all = result.all ?? "";
    const home = keptHome(all);
    const failed = result.exitCode !== 0 || result.timedOut;
    const daemonLog = failed ? await daemonLogTail(home) : "";
    if (home !== undefined) await rm(home, { recursive: true, force: true });
    if (!failed) return result.stdout;
    const report = `amule-harness.sh ${args[0]} failed (exit ${result.exitCode}, timed out: ${result.timedOut}, port base ${base}):\n${all}\n--- amuled log (tail) ---\n${daemonLog}`;
    if (attempt < START_ATTEMPTS && START_FAILURES.some((text) => all.includes(text))) {
      console.warn(`${report}\n--- the daemon did not start; running the harness once more ---`);
      continue;
    }
    throw new Error(report);
  }
}

const GENERATED_FILES = ["known.met", "canceled.met", "known2_64.met"] as const;
const GENERATE_ATTEMPTS = 3;

/**
 * Runs the harness's `generate` until aMule wrote all three files. The harness gives aMule a fixed
 * two seconds to add and then cancel a download; on a loaded machine it sometimes shuts down before
 * canceled.met is written. Every assertion runs on the one complete run that is kept.
 */
async function generateAll(out: string): Promise<void> {
  const missingFiles: string[][] = [];
  for (let attempt = 1; attempt <= GENERATE_ATTEMPTS; attempt++) {
    await rm(out, { recursive: true, force: true });
    await harness(attempt === 1 ? "generate" : `generate (attempt ${attempt})`, "generate", out);
    const absent = GENERATED_FILES.filter((name) => !existsSync(path.join(out, name)));
    if (absent.length === 0) return;
    missingFiles.push(absent);
  }
  throw new Error(
    `aMule did not write every file in ${GENERATE_ATTEMPTS} runs of the harness: missing ${JSON.stringify(missingFiles)}`,
  );
}

const PRIORITY_LABELS = ["Low", "Normal", "High", "Very High", "Very low", "Auto"];

interface SharedLine {
  readonly hash: string;
  readonly name: string;
  readonly priority: string;
  readonly requests: number;
  readonly accepted: number;
  readonly transferredText: string;
}

/** Parses amulecmd's `show shared` lines: ` > HASH path` then ` > \tPRIO - s(all) / s(all) - x (all) - ratio`. */
function parseShowShared(text: string): SharedLine[] {
  const lines = text.split("\n");
  const out: SharedLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^ > ([0-9A-F]{32}) (.*)$/.exec(lines[i] as string);
    if (head === null) continue;
    const detail = /^ > \t(.+?) - \d+\((\d+)\) \/ \d+\((\d+)\) - .+? \((.+?)\) - /.exec(
      lines[i + 1] ?? "",
    );
    if (detail === null) throw new Error(`unexpected show shared line: ${lines[i + 1]}`);
    out.push({
      hash: head[1] as string,
      name: path.basename(head[2] as string),
      priority: detail[1] as string,
      requests: Number(detail[2]),
      accepted: Number(detail[3]),
      transferredText: detail[4] as string,
    });
  }
  return out;
}

/**
 * Bytes shown by amulecmd ("7 bytes", "2 kB", "4.657 GB") as a number, with the step of its last
 * digit (amulecmd truncates or rounds to that step).
 */
function shownBytes(text: string): { bytes: number; step: number } {
  const m = /^(\d+)(?:\.(\d+))? (bytes|kB|MB|GB|TB)$/.exec(text);
  if (m === null) throw new Error(`cannot parse transferred amount ${JSON.stringify(text)}`);
  const unit = { bytes: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }[
    m[3] as string
  ] as number;
  const decimals = m[2]?.length ?? 0;
  return { bytes: Number(`${m[1]}.${m[2] ?? 0}`) * unit, step: unit / 10 ** decimals };
}

interface HashedFile {
  readonly name: string;
  readonly mtime: number;
  readonly hashes: Ed2kHashes;
}

async function hashDirectory(dir: string): Promise<HashedFile[]> {
  const out: HashedFile[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const full = path.join(dir, name);
    const info = await stat(full);
    out.push({
      name,
      mtime: Math.floor(info.mtimeMs / 1000),
      hashes: await computeEd2kHashes(createReadStream(full, { highWaterMark: 1 << 20 })),
    });
  }
  return out;
}

/** known.met (aMule flavour, aMule's record order) and known2_64.met for hashed files. */
function writeOwnMetFiles(
  files: readonly HashedFile[],
  stats: (index: number) => {
    requests: number;
    accepted: number;
    transferred: bigint;
    priority: number;
  },
): { known: Uint8Array; known2: Uint8Array } {
  const records = files.map((f, i) =>
    createKnownFileRecord(
      {
        name: f.name,
        size: f.hashes.size,
        mtime: f.mtime,
        hash: f.hashes.hash,
        partHashes: f.hashes.partHashes,
        aichHash: f.hashes.aich.root,
        ...stats(i),
      },
      { flavor: "amule" },
    ),
  );
  const known = concatChunks(
    knownMetCodec.encode({ header: "auto", records: sortKnownFileRecordsAmule(records) }),
  );
  const entries: Known2Entry[] = files.map((f) => f.hashes.aich);
  const known2 = concatChunks(known2MetCodec.encode({ entries }));
  return { known, known2 };
}

/** Deterministic, non-repeating content (xorshift32), so every AICH block hashes differently. */
async function writeNoiseFile(file: string, size: number, mtime: number): Promise<void> {
  const handle = await open(file, "w");
  try {
    let x = 0x9e3779b9;
    const chunk = new Uint8Array(1 << 20);
    const words = new Uint32Array(chunk.buffer);
    for (let pos = 0; pos < size; pos += chunk.length) {
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[i] = x >>> 0;
      }
      await handle.write(chunk, 0, Math.min(chunk.length, size - pos));
    }
  } finally {
    await handle.close();
  }
  await utimes(file, mtime, mtime);
}

describe.skipIf(!AVAILABLE)(
  `aMule 2.3.3 interop (real daemon via ${path.basename(HARNESS)})`,
  () => {
    let work = "";
    let generated = "";
    let filesDir = "";

    beforeAll(
      async () => {
        work = await mkdtemp(path.join(tmpdir(), "snapwrite-amule-"));
        generated = path.join(work, "generated");
        filesDir = path.join(work, "files");
        await generateAll(generated);
        await harness("make-files", "make-files", filesDir);
      },
      budgetMs(GENERATE_ATTEMPTS + 1),
    );

    afterAll(async () => {
      if (work !== "") await rm(work, { recursive: true, force: true });
      console.info(`aMule interop timings (ms): ${JSON.stringify(timings)}`);
    });

    it("decodes and re-encodes byte for byte what aMule wrote: known.met, canceled.met, known2_64.met", async () => {
      const known = new Uint8Array(await readFile(path.join(generated, "known.met")));
      const canceled = new Uint8Array(await readFile(path.join(generated, "canceled.met")));
      const known2 = new Uint8Array(await readFile(path.join(generated, "known2_64.met")));
      const knownValue = knownMetCodec.decode(known);
      expect(knownValue.records).toHaveLength(AMULE_SET1.length);
      expect(toHex(concatChunks(knownMetCodec.encode(knownValue)))).toBe(toHex(known));
      const canceledValue = amuleCanceledMetCodec.decode(canceled);
      expect(canceledValue.hashes.map(toHex)).toEqual(["0123456789ABCDEFFEDCBA9876543210"]);
      expect(toHex(concatChunks(amuleCanceledMetCodec.encode(canceledValue)))).toBe(
        toHex(canceled),
      );
      const known2Value = known2MetCodec.decode(known2);
      expect(known2Value.entries).toHaveLength(AMULE_SET1.length);
      expect(toHex(concatChunks(known2MetCodec.encode(known2Value)))).toBe(toHex(known2));
    });

    it("make-files produces the file set the tests rebuild without the daemon", async () => {
      const names = (await readdir(filesDir)).sort();
      expect(names).toEqual(AMULE_SET1.map((f) => f.name).sort());
      for (const file of AMULE_SET1) {
        const full = path.join(filesDir, file.name);
        expect(Math.floor((await stat(full)).mtimeMs / 1000)).toBe(file.mtime);
        expect(Buffer.compare(await readFile(full), fileContent(file))).toBe(0);
      }
    });

    it(
      "loads a known.met we wrote for the harness's files: no re-hash, identical rewrite, our statistics shown",
      async () => {
        const files = await hashDirectory(filesDir);
        const stats = (i: number) => ({
          requests: 100 + i,
          accepted: 10 + i,
          // One value above 4 GiB exercises FT_ATTRANSFERREDHI.
          transferred: i === 2 ? 5_000_000_123n : BigInt(1000 * i + 7),
          priority: i % PRIORITY_LABELS.length,
        });
        const { known, known2 } = writeOwnMetFiles(files, stats);
        let canceledValue = { hashes: [] as readonly Uint8Array[] };
        for (const h of ["FEDCBA98765432100123456789ABCDEF", "0123456789ABCDEFFEDCBA9876543210"]) {
          canceledValue = addAmuleCanceledFile(canceledValue, fromHex(h));
        }
        const canceled = concatChunks(amuleCanceledMetCodec.encode(canceledValue));
        const input = path.join(work, "own-input");
        await mkdir(input);
        await writeFile(path.join(input, "known.met"), known);
        await writeFile(path.join(input, "canceled.met"), canceled);
        await writeFile(path.join(input, "known2_64.met"), known2);
        // amulecmd 2.3.3 sometimes drops its EC connection before answering (the harness notes
        // it for Shutdown; under load it also hits 'show shared'). An empty listing is that, not a
        // verdict on our files, so the load runs once more; every assertion uses the run kept.
        let out = "";
        let report = "";
        let shown: ReturnType<typeof parseShowShared> = [];
        for (let attempt = 1; attempt <= 2 && shown.length === 0; attempt++) {
          out = path.join(work, `own-load-${attempt}`);
          report = await harness(
            `load (own known.met, attempt ${attempt})`,
            "load",
            out,
            path.join(input, "known.met"),
            filesDir,
            path.join(input, "canceled.met"),
            path.join(input, "known2_64.met"),
          );
          shown = parseShowShared(await readFile(path.join(out, "show-shared.txt"), "utf8"));
        }

        expect(report).toContain(`Found ${files.length} known shared files`);
        expect(report).toContain(
          "VERDICT: all shared files matched known.met entries (no re-hash)",
        );
        expect(report).toContain("known2_64.met unchanged");
        expect(report).not.toMatch(/corrupt|invalid header|Failed to load/i);
        const after = new Uint8Array(await readFile(path.join(out, "known.met.after")));
        expect(toHex(after)).toBe(toHex(known));
        const canceledAfter = new Uint8Array(await readFile(path.join(out, "canceled.met.after")));
        expect(toHex(canceledAfter)).toBe(toHex(canceled));

        expect(shown.map((s) => s.name).sort()).toEqual(files.map((f) => f.name).sort());
        files.forEach((file, i) => {
          const line = shown.find((s) => s.name === file.name);
          const want = stats(i);
          expect(line?.hash).toBe(toHex(file.hashes.hash));
          expect(line?.priority.startsWith(PRIORITY_LABELS[want.priority] as string)).toBe(true);
          expect(line?.requests).toBe(want.requests);
          expect(line?.accepted).toBe(want.accepted);
          // Exact values are compared in known.met.after above; the text is rounded.
          const amount = shownBytes(line?.transferredText ?? "");
          expect(Math.abs(amount.bytes - Number(want.transferred))).toBeLessThan(amount.step);
        });
      },
      budgetMs(2),
    );

    it(
      "hashes a new multi-part file exactly as aMule does: known.met record, AICH hashset and its append",
      async () => {
        // The harness's files plus 5 full parts and a tail of non-repeating content: a 6-part
        // tree (3 | 3, then 2 | 1 on the left, 1 | 2 on the right) with distinct blocks, so a
        // wrong split rule at part or block level gives a different root. That file is left out
        // of our known.met and known2_64.met, so aMule hashes it itself (MD4 and AICH) and adds
        // its own record and hashset: they must equal ours. (aMule does not verify stored hashes
        // against the data at start-up, so only a file it hashes itself compares the results.)
        const dir = path.join(work, "append-files");
        await mkdir(dir);
        await execa("cp", ["-p", ...AMULE_SET1.map((f) => path.join(filesDir, f.name)), dir]);
        await writeNoiseFile(
          path.join(dir, "noise-5-parts.bin"),
          5 * 9_728_000 + 1_000_001,
          1_700_000_000,
        );
        const files = await hashDirectory(dir);
        const noise = files.find((f) => f.name === "noise-5-parts.bin");
        expect(noise?.hashes.aich.leaves.length).toBe((5 * 53 + 6) * 20);
        const missing = noise;
        if (missing === undefined) throw new Error("noise file not hashed");
        // A freshly hashed file has no statistics and automatic priority.
        const fresh = () => ({ requests: 0, accepted: 0, transferred: 0n, priority: 5 });
        const { known } = writeOwnMetFiles(files, fresh);
        const knownInput = writeOwnMetFiles(
          files.filter((f) => f !== missing),
          fresh,
        ).known;
        const present = files.filter((f) => f !== missing).map((f) => f.hashes.aich);
        const known2 = concatChunks(known2MetCodec.encode({ entries: present }));
        const predicted = concatChunks([known2, appendKnown2Entry(known2, missing.hashes.aich)]);
        expect(predicted.length).toBe(known2.length + 24 + (5 * 53 + 6) * 20);
        const input = path.join(work, "append-input");
        await mkdir(input);
        await writeFile(path.join(input, "known.met"), knownInput);
        await writeFile(path.join(input, "known2_64.met"), known2);
        const out = path.join(work, "append-load");
        const report = await harness(
          "load (known2 append + multi-part)",
          "load",
          out,
          path.join(input, "known.met"),
          dir,
          "",
          path.join(input, "known2_64.met"),
        );
        // Our records are all accepted; only the left-out file is hashed.
        expect(report).toContain(`Found ${files.length - 1} known shared files, 1 unknown`);
        expect(report).toContain("known2_64.met grew");
        const after = new Uint8Array(await readFile(path.join(out, "known2_64.met.after")));
        expect(toHex(after)).toBe(toHex(predicted));
        expect(toHex(new Uint8Array(await readFile(path.join(out, "known.met.after"))))).toBe(
          toHex(known),
        );
      },
      budgetMs(1),
    );
  },
);

if (!AVAILABLE) {
  describe("aMule 2.3.3 interop", () => {
    if (REQUIRED) {
      it("has the real daemon available (SNAPWRITE_REQUIRE_AMULE=1)", () => {
        throw new Error(`SNAPWRITE_REQUIRE_AMULE=1 but the aMule interop cannot run: ${WHY}`);
      });
    } else {
      it.skip(`skipped: ${WHY}; set SNAPWRITE_REQUIRE_AMULE=1 to make this a failure`, () => {});
    }
  });
}
