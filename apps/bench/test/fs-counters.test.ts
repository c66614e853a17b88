import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FS_COUNT_FIELDS, installFsCounters, readFsCounts } from "../src/fs-counters.js";

describe("installFsCounters", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-fs-counters-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("counts files written, write calls, bytes, fsyncs and renames of the sync and promise APIs", async () => {
    const counters = await installFsCounters();
    counters.start();
    writeFileSync(join(dir, "a.bin"), Buffer.alloc(1000, 1));
    const fd = openSync(join(dir, ".b.tmp"), "w");
    writeSync(fd, Buffer.alloc(300, 2));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(join(dir, ".b.tmp"), join(dir, "b.bin"));
    const handle = await open(join(dir, "c.bin"), "wx");
    await handle.writev([Buffer.alloc(10, 3), Buffer.alloc(20, 4)]);
    await handle.sync();
    await handle.close();
    const counts = counters.stop();
    expect(counts).toEqual({
      physicalWrites: 3,
      writeCalls: 3,
      fsyncs: 2,
      renames: 1,
      bytes: 1330,
    });
  });

  it("counts nothing while stopped, and restarts from zero", async () => {
    const counters = await installFsCounters();
    writeFileSync(join(dir, "d.bin"), "ignored");
    counters.start();
    expect(counters.peek()).toEqual({
      physicalWrites: 0,
      writeCalls: 0,
      fsyncs: 0,
      renames: 0,
      bytes: 0,
    });
    writeFileSync(join(dir, "e.bin"), "héllo");
    expect(counters.stop()).toMatchObject({ physicalWrites: 1, bytes: 6 });
  });
});

describe("readFsCounts", () => {
  it("reads the five slots of a shared store", () => {
    const store = new Float64Array(new SharedArrayBuffer(FS_COUNT_FIELDS * 8));
    store.set([2, 5, 4, 2, 4096]);
    expect(readFsCounts(store)).toEqual({
      physicalWrites: 2,
      writeCalls: 5,
      fsyncs: 4,
      renames: 2,
      bytes: 4096,
    });
  });
});
