import { spawnSync } from "node:child_process";
import { existsSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";
import { canMkfifo, mkfifo } from "./real-fs.js";

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A fresh directory with `root/` (the log's directory) and `outside/`. */
async function dirs(): Promise<{ root: string; outside: string }> {
  const base = await mkdtemp(join(tmpdir(), "append-log-files-"));
  made.push(base);
  const root = join(base, "root");
  const outside = join(base, "outside");
  await mkdir(root);
  await mkdir(outside);
  return { root, outside };
}

/** The rejection of `work`, or a failure once `ms` passed: nothing here may wait or spin. */
async function rejectionOf(work: () => Promise<unknown>, ms = 5_000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<{ late: true }>((resolve) => {
    timer = setTimeout(() => resolve({ late: true }), ms);
  });
  const outcome = await Promise.race([
    work().then(
      () => ({ resolved: true }),
      (reason: unknown) => ({ reason }),
    ),
    deadline,
  ]);
  clearTimeout(timer);
  if ("late" in outcome) throw new Error(`still pending after ${ms} ms`);
  if ("resolved" in outcome) throw new Error("resolved; expected a rejection");
  return outcome.reason;
}

async function appendOnce(path: string): Promise<void> {
  const log = await openAppendLog({ path });
  try {
    await log.append({ x: 1 });
  } finally {
    await log.close();
  }
}

async function readAll(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const entry of readAppendLog({ path })) out.push(entry);
  return out;
}

const NOT_REGULAR = { code: "ERR_INVALID_TARGET", details: { reason: "not-a-regular-file" } };
const SYMLINK = { code: "ERR_INVALID_TARGET", details: { reason: "symlink" } };

describe.skipIf(!canMkfifo)("append log files that are not regular files (needs mkfifo)", () => {
  it("refuses a FIFO as the active file, to open and to read, without waiting", async () => {
    const { root } = await dirs();
    const path = join(root, "a.jsonl");
    mkfifo(path);
    expect(await rejectionOf(() => appendOnce(path))).toMatchObject(NOT_REGULAR);
    expect(await rejectionOf(() => readAll(path))).toMatchObject(NOT_REGULAR);
    // The lock was released: nothing but the FIFO is left.
    expect(await readdir(root)).toEqual(["a.jsonl"]);
  });

  it("refuses a FIFO as a rotated file, to read, and to open when it is the newest one", async () => {
    const { root } = await dirs();
    const path = join(root, "t.jsonl");
    const log = await openAppendLog({ path });
    await log.append(1);
    const rotated = (await log.rotate()) as string;
    await log.append(2);
    await log.close();
    unlinkSync(join(root, rotated));
    mkfifo(join(root, rotated));
    expect(await rejectionOf(() => readAll(path))).toMatchObject(NOT_REGULAR);
    // Without an active file, the next seq is read from the newest rotated file.
    unlinkSync(path);
    expect(await rejectionOf(() => appendOnce(path))).toMatchObject(NOT_REGULAR);
  });

  it("refuses a symlink to a FIFO or to /dev/zero as the active file", async () => {
    const { root } = await dirs();
    const path = join(root, "a.jsonl");
    mkfifo(join(root, "fifo"));
    symlinkSync(join(root, "fifo"), path);
    expect(await rejectionOf(() => appendOnce(path))).toMatchObject(SYMLINK);
    expect(await rejectionOf(() => readAll(path))).toMatchObject(SYMLINK);
    unlinkSync(path);
    symlinkSync("/dev/zero", path);
    expect(await rejectionOf(() => appendOnce(path))).toMatchObject(SYMLINK);
    expect(await rejectionOf(() => readAll(path))).toMatchObject(SYMLINK);
  });

  it("a dangling symlink as the active file is refused at once, inside or outside the directory, and nothing is created", async () => {
    const { root, outside } = await dirs();
    const path = join(root, "a.jsonl");
    for (const destination of [join(outside, "o.jsonl"), join(root, "real.jsonl"), "real.jsonl"]) {
      symlinkSync(destination, path);
      expect(await rejectionOf(() => appendOnce(path))).toMatchObject(SYMLINK);
      expect(await rejectionOf(() => readAll(path))).toMatchObject(SYMLINK);
      expect(await readdir(outside)).toEqual([]);
      expect(await readdir(root)).toEqual(["a.jsonl"]);
      unlinkSync(path);
    }
  });

  it("a symlink to a log inside the directory is refused and the log is left as it was", async () => {
    const { root } = await dirs();
    const real = join(root, "real.jsonl");
    await appendOnce(real);
    const before = await readFile(real);
    symlinkSync("real.jsonl", join(root, "a.jsonl"));
    expect(await rejectionOf(() => appendOnce(join(root, "a.jsonl")))).toMatchObject(SYMLINK);
    expect(await readFile(real)).toEqual(before);
    expect(await readAll(real)).toHaveLength(1);
  });

  it("refuses a directory at the log's path", async () => {
    const { root } = await dirs();
    const path = join(root, "a.jsonl");
    await mkdir(path);
    expect(await rejectionOf(() => appendOnce(path))).toMatchObject(NOT_REGULAR);
    expect(await rejectionOf(() => readAll(path))).toMatchObject(NOT_REGULAR);
  });
});

describe.skipIf(process.platform === "win32")("repair temp files of killed writers", () => {
  it("the next open deletes the repair temp files of dead processes, and only those", async () => {
    const { root } = await dirs();
    const path = join(root, "chat.jsonl");
    await appendOnce(path);
    // A process that has exited: its pid names no running process any more.
    const child = spawnSync(process.execPath, ["-e", ""], { timeout: 10_000 });
    const dead = child.pid as number;
    expect(child.status).toBe(0);
    const swept = `.chat.jsonl.${dead}-k3x9a0.tmp`;
    const kept = [
      `.chat.jsonl.${process.pid}-k3x9a0.tmp`, // a live process (this one)
      `.chat.jsonl.${dead}-k3x9a0.tmp.keep`, // not the exact name
      `.chat.jsonl.${dead}-K3X9A0.tmp`, // not a tag the log makes
      `.other.jsonl.${dead}-k3x9a0.tmp`, // another log's
      `chat.jsonl.${dead}-k3x9a0.tmp`, // no leading dot
    ];
    for (const name of [swept, ...kept]) writeFileSync(join(root, name), "partial copy");
    await appendOnce(path);
    expect(existsSync(join(root, swept))).toBe(false);
    for (const name of kept) expect(existsSync(join(root, name)), name).toBe(true);
    expect(await readAll(path)).toHaveLength(2);
  });
});
