import * as real from "node:fs/promises";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrashableFs, createFaultyFs, createMemoryFs } from "../src/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

async function put(fs: FsPort, path: string, content: string): Promise<void> {
  const handle = await fs.open(path, "w");
  await handle.write(bytes(content));
  await handle.close();
}

async function ls(fs: FsPort, dir: string): Promise<string> {
  return (await fs.readdir(dir)).sort().join(",");
}

type Scenario = (fs: FsPort, d: string) => Promise<string>;

/** Each scenario with what Linux does (an `ok:` result or the error code). */
const SCENARIOS: Record<string, { linux: string; run: Scenario }> = {
  "write through a handle opened r": {
    linux: "EBADF",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "abc");
      const handle = await fs.open(`${d}/a`, "r");
      try {
        await handle.write(bytes("Z"), 0, 1, 0);
      } finally {
        await handle.close();
      }
      return text(await fs.readFile(`${d}/a`));
    },
  },
  "read through a handle opened w": {
    linux: "EBADF",
    run: async (fs, d) => {
      const handle = await fs.open(`${d}/a`, "w");
      try {
        await handle.read(new Uint8Array(4), 0, 4, 0);
      } finally {
        await handle.close();
      }
      return "read";
    },
  },
  "rename a file over an empty directory": {
    linux: "EISDIR",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await fs.mkdir(`${d}/e`, { recursive: true });
      await fs.rename(`${d}/a`, `${d}/e`);
      return ls(fs, d);
    },
  },
  "rename a directory over a file": {
    linux: "ENOTDIR",
    run: async (fs, d) => {
      await fs.mkdir(`${d}/e`, { recursive: true });
      await put(fs, `${d}/a`, "A");
      await fs.rename(`${d}/e`, `${d}/a`);
      return ls(fs, d);
    },
  },
  "rename a directory over a non-empty directory": {
    linux: "ENOTEMPTY",
    run: async (fs, d) => {
      await fs.mkdir(`${d}/e`, { recursive: true });
      await fs.mkdir(`${d}/f`, { recursive: true });
      await put(fs, `${d}/f/x`, "X");
      await fs.rename(`${d}/e`, `${d}/f`);
      return ls(fs, d);
    },
  },
  "rename a directory over an empty directory": {
    linux: "ok:f|x",
    run: async (fs, d) => {
      await fs.mkdir(`${d}/e`, { recursive: true });
      await put(fs, `${d}/e/x`, "X");
      await fs.mkdir(`${d}/f`, { recursive: true });
      await fs.rename(`${d}/e`, `${d}/f`);
      return `${await ls(fs, d)}|${await ls(fs, `${d}/f`)}`;
    },
  },
  "rename a directory into itself": {
    linux: "EINVAL",
    run: async (fs, d) => {
      await fs.mkdir(`${d}/e`, { recursive: true });
      await fs.rename(`${d}/e`, `${d}/e/sub`);
      return ls(fs, d);
    },
  },
  "rename a file to a name with a trailing slash": {
    linux: "ENOTDIR",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await fs.rename(`${d}/a`, `${d}/b/`);
      return ls(fs, d);
    },
  },
  "rename one hard link onto another link of the same file": {
    linux: "ok:a,b",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await fs.link(`${d}/a`, `${d}/b`);
      await fs.rename(`${d}/a`, `${d}/b`);
      return ls(fs, d);
    },
  },
  "rename a file over another file": {
    linux: "ok:A|b",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await put(fs, `${d}/b`, "B");
      await fs.rename(`${d}/a`, `${d}/b`);
      return `${text(await fs.readFile(`${d}/b`))}|${await ls(fs, d)}`;
    },
  },
  "mkdir -p over an existing file": {
    linux: "EEXIST",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      return String(await fs.mkdir(`${d}/a`, { recursive: true }));
    },
  },
  "hard link to a directory": {
    linux: "EPERM",
    run: async (fs, d) => {
      await fs.mkdir(`${d}/e`, { recursive: true });
      await fs.link(`${d}/e`, `${d}/f`);
      return ls(fs, d);
    },
  },
  "unlink a directory": {
    linux: "EISDIR",
    run: async (fs, d) => {
      await fs.mkdir(`${d}/e`, { recursive: true });
      await fs.unlink(`${d}/e`);
      return ls(fs, d);
    },
  },
  "sync after close": {
    linux: "EBADF",
    run: async (fs, d) => {
      const handle = await fs.open(`${d}/a`, "w");
      await handle.close();
      await handle.sync();
      return "synced";
    },
  },
  "write after close": {
    linux: "EBADF",
    run: async (fs, d) => {
      const handle = await fs.open(`${d}/a`, "w");
      await handle.close();
      await handle.write(bytes("x"));
      return "wrote";
    },
  },
  "w on a dangling symlink": {
    linux: "ok:nowhere,s",
    run: async (fs, d) => {
      await fs.symlink(`${d}/nowhere`, `${d}/s`);
      const handle = await fs.open(`${d}/s`, "w");
      await handle.close();
      return ls(fs, d);
    },
  },
  "wx on a dangling symlink": {
    linux: "EEXIST",
    run: async (fs, d) => {
      await fs.symlink(`${d}/nowhere`, `${d}/s`);
      const handle = await fs.open(`${d}/s`, "wx");
      await handle.close();
      return ls(fs, d);
    },
  },
  "unlink a file named with a trailing slash": {
    linux: "ENOTDIR",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await fs.unlink(`${d}/a/`);
      return ls(fs, d);
    },
  },
  "rename a file named with a trailing slash": {
    linux: "ENOTDIR",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await fs.rename(`${d}/a/`, `${d}/b`);
      return ls(fs, d);
    },
  },
  "link to a new name with a trailing slash": {
    linux: "ENOENT",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "A");
      await fs.link(`${d}/a`, `${d}/b/`);
      return ls(fs, d);
    },
  },
  "mkdir -p over a dangling symlink": {
    linux: "ENOENT",
    run: async (fs, d) => {
      await fs.symlink(`${d}/nowhere`, `${d}/s`);
      await fs.mkdir(`${d}/s`, { recursive: true });
      return ls(fs, d);
    },
  },
  "append-mode write with a position": {
    linux: "ok:abcZ",
    run: async (fs, d) => {
      await put(fs, `${d}/a`, "abc");
      const handle = await fs.open(`${d}/a`, "a");
      await handle.write(bytes("Z"), 0, 1, 0);
      await handle.close();
      return text(await fs.readFile(`${d}/a`));
    },
  },
  "positioned writes leave the file position alone": {
    linux: "ok:XYcQ",
    run: async (fs, d) => {
      const handle = await fs.open(`${d}/a`, "w+");
      await handle.write(bytes("abc"), 0, 3, null);
      await handle.write(bytes("XY"), 0, 2, 0);
      await handle.write(bytes("Q"), 0, 1, null);
      await handle.close();
      return text(await fs.readFile(`${d}/a`));
    },
  },
};

async function outcome(fs: FsPort, dir: string, run: Scenario): Promise<string> {
  try {
    return `ok:${(await run(fs, dir)).replaceAll(dir, "D")}`;
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  }
}

const IMPLEMENTATIONS: Record<string, () => FsPort> = {
  createMemoryFs: () => createMemoryFs({ "/d": null }),
  createCrashableFs: () => createCrashableFs({ files: { "/d": null } }),
  "createFaultyFs(createMemoryFs())": () => createFaultyFs(createMemoryFs({ "/d": null })),
};

describe("the test file systems behave like Linux", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "testkit-posix-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const [name, { linux, run }] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const dir = await mkdtemp(join(root, "case-"));
      const onDisk = await outcome(real as unknown as FsPort, dir, run);
      expect(onDisk).toBe(linux);
      for (const [impl, create] of Object.entries(IMPLEMENTATIONS)) {
        expect({ impl, result: await outcome(create(), "/d", run) }).toEqual({
          impl,
          result: linux,
        });
      }
    });
  }
});
