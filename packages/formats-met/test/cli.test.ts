import { spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatChunks } from "@snapwrite/testkit";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emuleCancelledMetCodec } from "../src/cancelled/emule-cancelled-met-codec.js";
import { type CliIo, MAX_MET_FILE_BYTES, runCli } from "../src/cli/run-cli.js";
import { createMetTag } from "../src/tags/create-met-tag.js";
import { regularFileStats } from "./support/regular-file-stats.js";

const SET1 = new URL("../../../../shared/met/fixtures/amule-2.3.3-set1/", import.meta.url);
const fixturePath = (name: string) => new URL(name, SET1).pathname;
const KNOWN = new Uint8Array(readFileSync(fixturePath("known.met")));
const CLI = new URL("../dist/cli.js", import.meta.url).pathname;

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapwrite-met-cli-"));
  const put = async (name: string, bytes: Uint8Array) => {
    files[name] = join(dir, name);
    await writeFile(files[name] as string, bytes);
  };
  const badPart = KNOWN.slice();
  badPart[0x20] = (badPart[0x20] as number) ^ 0xff;
  await put("bad-part.met", badPart);
  await put("truncated.met", KNOWN.subarray(0, 700));
  await put("unknown.met", Uint8Array.of(0x42, 1, 2, 3));
  await put("empty.met", new Uint8Array(0));
  const cancelled = concatChunks(
    emuleCancelledMetCodec.encode({
      format: "salted",
      version: 1,
      seed: 0x12345678,
      entries: [
        { id: new Uint8Array(16).fill(0xab), tags: [] },
        {
          id: new Uint8Array(16).fill(0xcd),
          tags: [createMetTag({ id: 1, type: "string", value: "x" })],
        },
      ],
    }),
  );
  await put("cancelled.met", cancelled);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], io: Partial<CliIo> = {}) {
  let stdout = "";
  let stderr = "";
  const status = await runCli(args, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readFile: async (path) => new Uint8Array(readFileSync(path)),
    ...io,
  });
  return { status, stdout, stderr };
}

const neverRead = async (path: string): Promise<Uint8Array> => {
  throw new Error(`readFile(${path}) must not be called`);
};

describe("snapwrite-met (in process)", () => {
  it("dumps a known.met as text and as JSON", async () => {
    const text = await run(["dump", fixturePath("known.met")]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("known.met: header 0x0e, 6 records");
    expect(text.stdout).toContain('"café über 日本 ✓.txt"');
    expect(text.stdout).toContain("FT_AICH_HASH 0x27 string");
    const json = await run(["dump", fixturePath("known.met"), "--json"]);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.format).toBe("known.met");
    expect(parsed.count).toBe(6);
    const tiny = parsed.records.find((r: { name: string }) => r.name === "tiny.txt");
    expect(tiny).toMatchObject({
      hash: "B5E21F4235F8E6CE66ED091242F1D117",
      size: "13",
      aichHash: "J364GIZ4AUF5VSF6GZJEJCFKJ265JCRR",
      priority: 5,
    });
    expect(tiny.tags[2]).toEqual({ id: 2, idName: "FT_FILESIZE", type: "uint32", value: 13 });
  });

  it("detects canceled.met, cancelled.met and known2_64.met", async () => {
    const canceled = JSON.parse(
      (await run(["dump", fixturePath("canceled.met"), "--json"])).stdout,
    );
    expect(canceled).toEqual({
      format: "canceled.met",
      count: 1,
      hashes: ["0123456789ABCDEFFEDCBA9876543210"],
    });
    const cancelled = JSON.parse(
      (await run(["dump", files["cancelled.met"] as string, "--json"])).stdout,
    );
    expect(cancelled).toMatchObject({
      format: "cancelled.met",
      variant: "salted",
      seed: 0x12345678,
      count: 2,
    });
    expect(cancelled.entries[1].tags[0]).toMatchObject({ id: 1, value: "x" });
    const known2 = JSON.parse((await run(["dump", fixturePath("known2_64.met"), "--json"])).stdout);
    expect(known2.format).toBe("known2_64.met");
    expect(known2.count).toBe(6);
  });

  it("verify: exit 0 for a good file, 1 with a readable report for rejected records", async () => {
    const ok = await run(["verify", fixturePath("known.met")]);
    expect(ok).toMatchObject({ status: 0 });
    expect(ok.stdout).toContain("OK — header 0x0e, 6 records, no problems");
    const bad = await run(["verify", files["bad-part.met"] as string]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('record 0 "one-part-9728000.bin": part-hash-mismatch');
    expect(bad.stdout).toContain("record-dropped");
    const cut = await run(["verify", files["truncated.met"] as string]);
    expect(cut.status).toBe(1);
    expect(cut.stdout).toContain("CORRUPT — bad-length");
    expect(cut.stdout).toContain("3 records readable before the damage");
    expect((await run(["verify", fixturePath("canceled.met")])).status).toBe(0);
  });

  it("reports unreadable files and usage errors with status 2, unknown formats with 1", async () => {
    const missing = await run(["verify", join(dir, "nope.met")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("cannot read");
    expect(missing.stderr).toContain("ENOENT");
    const directory = await run(["dump", dir]);
    expect(directory.status).toBe(2);
    expect(directory.stderr).toBe(
      `snapwrite-met: cannot read ${JSON.stringify(dir)}: not a regular file (directory)\n`,
    );
    expect((await run([])).status).toBe(2);
    expect((await run(["frobnicate", "x"])).stderr).toContain("unknown command");
    expect((await run(["dump"])).stderr).toContain("missing FILE");
    expect((await run(["dump", "a", "b"])).status).toBe(2);
    expect((await run(["dump", "a", "--format", "zip"])).status).toBe(2);
    expect((await run(["verify", "a", "--jsn"])).stderr).toContain('unknown option "--jsn"');
    expect((await run(["dump", "a", "--json=yes"])).status).toBe(2);
    // node:util parseArgs: "--" ends the options, so a file name may start with a dash.
    expect((await run(["dump", "--", "--odd.met"])).stderr).toBe(
      'snapwrite-met: cannot read "--odd.met": ENOENT: no such file or directory\n',
    );
    expect((await run(["dump", "a", "--format"])).stderr).toContain("--format needs one of");
    const help = await run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage:");
    const unknown = await run(["dump", files["unknown.met"] as string]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("first byte 0x42");
    expect((await run(["verify", files["empty.met"] as string])).stderr).toContain("empty");
  });

  it.runIf(existsSync("/dev/zero"))(
    "refuses a device such as /dev/zero in one line with status 2 instead of reading it forever",
    async () => {
      const zero = await run(["dump", "/dev/zero", "--format", "known.met"], {
        readFile: neverRead,
      });
      expect(zero).toEqual({
        status: 2,
        stdout: "",
        stderr: 'snapwrite-met: cannot read "/dev/zero": not a regular file (character device)\n',
      });
    },
  );

  it("refuses a file above the 2 GiB cap before reading it", async () => {
    const huge = await run(["verify", "huge.met"], {
      readFile: neverRead,
      stat: async () => ({
        ...(await stat(files["empty.met"] as string)),
        ...regularFileStats(MAX_MET_FILE_BYTES + 1),
      }),
    });
    expect(huge.status).toBe(2);
    expect(huge.stderr).toBe(
      `snapwrite-met: cannot read "huge.met": ${MAX_MET_FILE_BYTES + 1} bytes, more than the ${MAX_MET_FILE_BYTES}-byte limit\n`,
    );
  });

  it("names an empty or missing path in quotes, without a double space", async () => {
    expect(await run(["dump", ""])).toEqual({
      status: 2,
      stdout: "",
      stderr: 'snapwrite-met: cannot read "": ENOENT: no such file or directory\n',
    });
    const missing = join(dir, "nope.met");
    expect((await run(["verify", missing])).stderr).toBe(
      `snapwrite-met: cannot read ${JSON.stringify(missing)}: ENOENT: no such file or directory\n`,
    );
  });

  it("prints usage errors as one line plus a --help hint, not the whole usage", async () => {
    const hint = 'run "snapwrite-met --help" for usage\n';
    expect(await run(["dump"])).toEqual({
      status: 2,
      stdout: "",
      stderr: `snapwrite-met: missing FILE\n${hint}`,
    });
    expect((await run([])).stderr).toBe(`snapwrite-met: missing command\n${hint}`);
    expect((await run(["frobnicate"])).stderr).toBe(
      `snapwrite-met: unknown command "frobnicate"\n${hint}`,
    );
    expect((await run(["dump", "a", "--format", "zip"])).stderr).toBe(
      `snapwrite-met: --format needs one of known.met, cancelled.met, canceled.met, known2_64.met, got "zip"\n${hint}`,
    );
  });

  it("accepts --format=FORMAT as well as --format FORMAT", async () => {
    const path = fixturePath("known.met");
    const spaced = await run(["dump", path, "--format", "canceled.met"]);
    const joined = await run(["dump", path, "--format=canceled.met"]);
    expect(joined).toEqual(spaced);
    expect(joined.stderr).toContain("corrupt canceled.met: bad-header");
    const ok = await run(["dump", "--format=known.met", path, "--json"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe((await run(["dump", path, "--json"])).stdout);
    expect((await run(["dump", path, "--format=zip"])).status).toBe(2);
    expect((await run(["dump", path, "--format="])).stderr).toContain('got ""');
  });

  it("explains the system error code of a failed read in words", async () => {
    const fail = (error: unknown) =>
      run(["dump", "x.met"], {
        stat: async () => {
          throw error;
        },
      });
    const eacces = Object.assign(new Error("EACCES: permission denied, stat 'x.met'"), {
      code: "EACCES",
    });
    expect((await fail(eacces)).stderr).toBe(
      'snapwrite-met: cannot read "x.met": EACCES: permission denied\n',
    );
    expect((await fail(Object.assign(new Error(""), { code: "ELOOP" }))).stderr).toBe(
      'snapwrite-met: cannot read "x.met": ELOOP: too many levels of symbolic links\n',
    );
    const odd = Object.assign(new Error("x.met is not a regular file"), { code: "EINVAL" });
    expect((await fail(odd)).stderr).toBe(
      'snapwrite-met: cannot read "x.met": EINVAL: x.met is not a regular file\n',
    );
    const notDir = await run(["dump", join(fixturePath("known.met"), "inner.met")]);
    expect(notDir.stderr).toMatch(/: ENOTDIR: not a directory\n$/);
  });

  it("reads standard input for the file name -", async () => {
    const known = await run(["verify", "-"], { readFile: neverRead, readStdin: async () => KNOWN });
    expect(known).toEqual({
      status: 0,
      stdout: "<stdin>: known.met: OK — header 0x0e, 6 records, no problems\n",
      stderr: "",
    });
    const dumped = await run(["dump", "-", "--json"], { readStdin: async () => KNOWN });
    expect(dumped.stdout).toBe((await run(["dump", fixturePath("known.met"), "--json"])).stdout);
    const empty = await run(["dump", "-"], { readStdin: async () => new Uint8Array(0) });
    expect(empty.stderr).toBe(
      "snapwrite-met: <stdin>: not a known .met format (the file is empty); try --format\n",
    );
    const broken = await run(["dump", "-"], {
      readStdin: async () => {
        throw Object.assign(new Error("EIO: i/o error, read"), { code: "EIO" });
      },
    });
    expect(broken).toMatchObject({
      status: 2,
      stderr: 'snapwrite-met: cannot read "<stdin>": EIO: i/o error\n',
    });
  });

  it("verify --json reports problems, corruption and the header as data", async () => {
    const ok = await run(["verify", fixturePath("known.met"), "--json"]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({
      file: fixturePath("known.met"),
      format: "known.met",
      ok: true,
      header: "0x0e",
      records: 6,
      problems: [],
    });
    const bad = await run(["verify", "--json", files["bad-part.met"] as string]);
    expect(bad.status).toBe(1);
    const badReport = JSON.parse(bad.stdout);
    expect(badReport.ok).toBe(false);
    expect(badReport.problems[0]).toMatchObject({
      record: 0,
      name: "one-part-9728000.bin",
      code: "part-hash-mismatch",
      effect: "record-dropped",
    });
    const cut = await run(["verify", files["truncated.met"] as string, "--json"]);
    expect(cut.status).toBe(1);
    expect(JSON.parse(cut.stdout)).toMatchObject({
      ok: false,
      records: 3,
      corrupt: { reason: "bad-length", offset: expect.any(Number) },
    });
    const canceled = JSON.parse(
      (await run(["verify", fixturePath("canceled.met"), "--json"])).stdout,
    );
    expect(canceled).toEqual({
      file: fixturePath("canceled.met"),
      format: "canceled.met",
      ok: true,
      problems: [],
    });
  });

  it("prints the version, and the known.met header in hex in the JSON dump", async () => {
    expect(await run(["--version"], { version: "1.2.3" })).toEqual({
      status: 0,
      stdout: "snapwrite-met 1.2.3\n",
      stderr: "",
    });
    expect((await run(["--version", "dump"])).status).toBe(2);
    const json = JSON.parse((await run(["dump", fixturePath("known.met"), "--json"])).stdout);
    expect(json.header).toBe("0x0e");
    const text = (await run(["dump", fixturePath("known.met")])).stdout;
    expect(text).toContain(`header ${json.header},`);
  });

  it("--format forces a format and reports it as corrupt when it does not fit", async () => {
    const forced = await run(["dump", fixturePath("known.met"), "--format", "canceled.met"]);
    expect(forced.status).toBe(1);
    expect(forced.stderr).toContain("corrupt canceled.met: bad-header");
  });
});

describe("snapwrite-met (built bin)", () => {
  beforeAll(() => {
    if (!existsSync(CLI))
      throw new Error(
        "dist/cli.js missing: run `npx turbo run build --filter=@snapwrite/formats-met` first",
      );
  });

  it("runs as an executable script with exit codes and no stack traces", async () => {
    expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    const ok = await execa("node", [CLI, "verify", fixturePath("known.met")], {
      reject: false,
      timeout: 20_000,
    });
    expect(ok.exitCode).toBe(0);
    const bad = await execa("node", [CLI, "verify", files["truncated.met"] as string], {
      reject: false,
      timeout: 20_000,
    });
    expect(bad.exitCode).toBe(1);
    const missing = await execa("node", [CLI, "dump", join(dir, "missing.met")], {
      reject: false,
      timeout: 20_000,
    });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^snapwrite-met: cannot read/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    if (existsSync("/dev/zero")) {
      const zero = await execa("node", [CLI, "dump", "/dev/zero", "--format=known.met"], {
        reject: false,
        timeout: 20_000,
      });
      expect(zero.exitCode).toBe(2);
      expect(zero.stderr).toBe(
        'snapwrite-met: cannot read "/dev/zero": not a regular file (character device)',
      );
    }
    const json = await execa("node", [CLI, "dump", fixturePath("canceled.met"), "--json"], {
      reject: false,
      timeout: 20_000,
    });
    expect(JSON.parse(json.stdout).hashes).toEqual(["0123456789ABCDEFFEDCBA9876543210"]);
  });

  it("refuses a device (but reads /dev/null as empty), a directory or an oversized file on standard input before reading it", async () => {
    const verifyStdin = (stdinFd: number) => {
      try {
        const child = spawnSync("node", [CLI, "verify", "-"], {
          stdio: [stdinFd, "pipe", "pipe"],
          encoding: "utf8",
          timeout: 20_000,
        });
        return { exitCode: child.status, stderr: child.stderr.trimEnd() };
      } finally {
        closeSync(stdinFd);
      }
    };
    const device = verifyStdin(openSync("/dev/zero", "r"));
    expect(device.exitCode).toBe(2);
    expect(device.stderr).toBe(
      'snapwrite-met: cannot read "<stdin>": not a regular file or a pipe (character device)',
    );
    const empty = verifyStdin(openSync("/dev/null", "r"));
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain("not a known .met format (the file is empty)");
    const directory = verifyStdin(openSync(dir, "r"));
    expect(directory.exitCode).toBe(2);
    expect(directory.stderr).toBe('snapwrite-met: cannot read "<stdin>": EISDIR: is a directory');
    // A sparse file one byte over the limit: judged by its size, never read.
    const huge = join(dir, "huge.met");
    const fd = openSync(huge, "w");
    ftruncateSync(fd, 2 ** 31);
    closeSync(fd);
    const oversized = verifyStdin(openSync(huge, "r"));
    expect(oversized.exitCode).toBe(2);
    expect(oversized.stderr).toBe(
      `snapwrite-met: cannot read "<stdin>": ${2 ** 31} bytes, more than the ${2 ** 31 - 1}-byte limit`,
    );
  });

  it("prints its package version, reads standard input and explains OS errors", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const version = await execa("node", [CLI, "--version"], { reject: false, timeout: 20_000 });
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toBe(`snapwrite-met ${pkg.version}`);
    const stdin = await execa("node", [CLI, "verify", "-", "--json"], {
      input: Buffer.from(KNOWN),
      reject: false,
      timeout: 20_000,
    });
    expect(stdin.exitCode).toBe(0);
    expect(JSON.parse(stdin.stdout)).toMatchObject({
      file: "<stdin>",
      ok: true,
      header: "0x0e",
      records: 6,
    });
    const dump = await execa("node", [CLI, "dump", "-", "--json"], {
      inputFile: fixturePath("known.met"),
      reject: false,
      timeout: 20_000,
    });
    expect(JSON.parse(dump.stdout)).toMatchObject({ header: "0x0e", count: 6 });
    const missing = await execa("node", [CLI, "dump", join(dir, "missing.met")], {
      reject: false,
      timeout: 20_000,
    });
    expect(missing.stderr).toBe(
      `snapwrite-met: cannot read ${JSON.stringify(join(dir, "missing.met"))}: ENOENT: no such file or directory`,
    );
  });
});
