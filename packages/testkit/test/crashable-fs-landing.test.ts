import { constants } from "node:fs";
import { posix } from "node:path";
import type { FsFileHandle } from "@snapwrite/core";
import { describe, expect, it } from "vitest";
import { type AppendLogCheckOptions, checkAppendLogCrashStates } from "../src/checks.js";
import { createCrashableFs } from "../src/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);
const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;

async function syncDir(fs: ReturnType<typeof createCrashableFs>, dir: string) {
  const handle = await fs.open(dir, "r");
  await handle.sync();
  await handle.close();
}

describe("createCrashableFs records each write where it landed", () => {
  it("keeps every one of three concurrent fsynced O_APPEND appends", async () => {
    const fs = createCrashableFs({ files: { "/d/log": "" } });
    const handle = await fs.open("/d/log", APPEND);
    await Promise.all(
      ["a\n", "b\n", "c\n"].map(async (line) => {
        await handle.write(bytes(line));
        await handle.sync();
      }),
    );
    await handle.close();
    expect(text(await fs.readFile("/d/log"))).toBe("a\nb\nc\n");
    expect(text(await fs.crash().readFile("/d/log"))).toBe("a\nb\nc\n");
    expect(fs.trace.filter((e) => e.op === "write").map((e) => e.position)).toEqual([0, 2, 4]);
  });

  it("keeps concurrent appends of two O_APPEND handles one after the other", async () => {
    const fs = createCrashableFs({ files: { "/d/log": "abc" } });
    const a = await fs.open("/d/log", APPEND);
    const b = await fs.open("/d/log", APPEND);
    await Promise.all([a.write(bytes("11")), b.write(bytes("22"))]);
    await a.sync();
    await Promise.all([a.close(), b.close()]);
    expect(text(await fs.crash().readFile("/d/log"))).toBe(text(await fs.readFile("/d/log")));
    expect(text(await fs.crash().readFile("/d/log"))).toBe("abc1122");
  });

  it("places two concurrent writes at the file position one after the other", async () => {
    const fs = createCrashableFs({ files: { "/d": null } });
    const handle = await fs.open("/d/f", "w");
    await Promise.all([handle.write(bytes("AAAA")), handle.write(bytes("BBBB"))]);
    await handle.sync();
    await handle.close();
    await syncDir(fs, "/d");
    expect(text(await fs.readFile("/d/f"))).toBe("AAAABBBB");
    expect(text(await fs.crash().readFile("/d/f"))).toBe("AAAABBBB");
  });

  it("appends an O_APPEND write that names a position, as Linux does", async () => {
    const fs = createCrashableFs({ files: { "/d/log": "abc" } });
    const handle = await fs.open("/d/log", "a");
    await handle.write(bytes("Z"), 0, 1, 0);
    await handle.sync();
    await handle.close();
    expect(text(await fs.crash().readFile("/d/log"))).toBe("abcZ");
  });

  it("passes checkAppendLogCrashStates for a correct O_APPEND log", async () => {
    await expect(checkAppendLogCrashStates(minimalAppendLog())).resolves.toBeUndefined();
  });
});

describe("createCrashableFs directory entries", () => {
  it("records nothing for a rename between two links of one file", async () => {
    const fs = createCrashableFs({ files: { "/d/a": "A" } });
    await fs.link("/d/a", "/d/b");
    const before = fs.trace.length;
    await fs.rename("/d/a", "/d/b");
    expect(fs.trace.length).toBe(before);
    await syncDir(fs, "/d");
    expect((await fs.crash().readdir("/d")).sort()).toEqual(["a", "b"]);
  });

  it('creates the target of a dangling symbolic link opened "w"', async () => {
    const fs = createCrashableFs({ files: { "/d": null } });
    await fs.symlink("/d/target", "/d/s");
    const handle = await fs.open("/d/s", "w");
    await handle.write(bytes("hi"));
    await handle.sync();
    await handle.close();
    await syncDir(fs, "/d");
    const after = fs.crash();
    expect(text(await after.readFile("/d/target"))).toBe("hi");
    expect(await after.readlink("/d/s")).toBe("/d/target");
  });
});

/** One O_APPEND handle, a write and an fsync per append; records are JSON lines. */
function minimalAppendLog(): AppendLogCheckOptions {
  const read: AppendLogCheckOptions["read"] = async ({ fs, path }) => {
    let content = "";
    try {
      content = text(await fs.readFile(path));
    } catch {
      return { records: [], problems: [] };
    }
    const records: { seq: number; value: unknown }[] = [];
    const problems: { problem: string; offset: number }[] = [];
    let offset = 0;
    for (const line of content.split("\n")) {
      if (line !== "") {
        try {
          records.push(JSON.parse(line) as { seq: number; value: unknown });
        } catch {
          problems.push({ problem: "torn", offset });
        }
      }
      offset += bytes(line).byteLength + 1;
    }
    records.sort((x, y) => x.seq - y.seq);
    return { records, problems };
  };
  return {
    read,
    async open({ fs, path }) {
      await fs.mkdir(posix.dirname(path), { recursive: true });
      const handle: FsFileHandle = await fs.open(path, APPEND, 0o644);
      const dir = await fs.open(posix.dirname(path), "r");
      await dir.sync();
      await dir.close();
      let seq = (await read({ fs, path })).records.length;
      return {
        async append(value) {
          seq += 1;
          const mine = seq;
          await handle.write(bytes(`${JSON.stringify({ seq: mine, value })}\n`));
          await handle.sync();
          return { seq: mine };
        },
        close: () => handle.close(),
      };
    },
  };
}
