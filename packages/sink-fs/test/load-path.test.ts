import { existsSync } from "node:fs";
import * as nodeFs from "node:fs/promises";
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTarget, type Sink } from "@snapwrite/core";
import { createFaultyFs } from "@snapwrite/testkit";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { jsonCodec as codec } from "./fixtures/json-codec.mjs";
import { createTempDirs, isRoot } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

const LOADER = fileURLToPath(new URL("./fixtures/load-target.mjs", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const NOBODY = 65534;

describe("load path end to end with core's loadTarget", () => {
  it("quarantines a corrupt primary and falls back to the backup", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, backup: true });
    await sink.write("state/app.json", codec.encode({ version: 1 }));
    await sink.write("state/app.json", codec.encode({ version: 2 }));
    await writeFile(join(dir, "state", "app.json"), '{"version": 3, "trunc');

    const result = await loadTarget(sink, "state/app.json", codec);
    expect(result).toMatchObject({ ok: true, source: "backup", value: { version: 1 } });
    if (!result.ok) throw new Error("unreachable");
    expect(result.primaryError?.code).toBe("ERR_CORRUPT");
    expect(result.quarantinedTo).toMatch(/^state\/app\.json\.corrupt-[0-9]+$/);
    expect(await readFile(join(dir, result.quarantinedTo as string), "utf8")).toBe(
      '{"version": 3, "trunc',
    );
    expect((await readdir(join(dir, "state"))).sort()).toEqual([
      "app.json.bak",
      (result.quarantinedTo as string).slice("state/".length),
    ]);

    // The next save restores a primary; the loaded backup stays the backup until then.
    await sink.write("state/app.json", codec.encode({ version: 4 }));
    expect(await loadTarget(sink, "state/app.json", codec)).toMatchObject({
      ok: true,
      source: "primary",
      value: { version: 4 },
    });
  });

  it("never quarantines a valid file written between the read and the quarantine", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "app.json"), '{"version": 1, "trunc');
    const sink = createFsSink({ dir });
    // The race as it happens in an application: a save is queued right after loadTarget read the
    // old, corrupt bytes, so the quarantine runs (in the target's order) after that save.
    let saving: Promise<unknown> | undefined;
    const racing: Sink = {
      capabilities: sink.capabilities,
      write: (target, chunks, options) => sink.write(target, chunks, options),
      async read(target, options) {
        const bytes = await sink.read(target, options);
        saving ??= sink.write(target, codec.encode({ version: 2 }));
        return bytes;
      },
      quarantine: (target, reason, options) => sink.quarantine(target, reason, options),
    };
    const result = await loadTarget(racing, "app.json", codec);
    await saving;
    expect(result).toMatchObject({ ok: true, source: "primary", value: { version: 2 } });
    expect(result.quarantinedTo).toBeUndefined();
    expect(await readdir(dir)).toEqual(["app.json"]);
    expect(JSON.parse(await readFile(join(dir, "app.json"), "utf8"))).toEqual({ version: 2 });
  });

  it("quarantines only the corrupt version under the lock, leaving a newer one in place", async () => {
    const dir = await dirs.make();
    const sink = createFsSink({ dir, lock: true });
    await sink.write("app.json", codec.encode({ version: 1 }));
    const stale = new TextEncoder().encode('{"version": 0');
    await expect(sink.quarantine("app.json", "bad", { expected: stale })).rejects.toMatchObject({
      code: "ERR_STALE",
      details: { reason: "changed" },
    });
    expect(await readdir(dir)).toEqual(["app.json"]);
    const current = await readFile(join(dir, "app.json"));
    const where = await sink.quarantine("app.json", "bad", { expected: new Uint8Array(current) });
    expect(where).toMatch(/^app\.json\.corrupt-[0-9]+$/);
    expect(await readdir(dir)).toEqual([where]);
  });

  it("reports a missing file as ERR_NOT_FOUND", async () => {
    const dir = await dirs.make();
    const result = await loadTarget(createFsSink({ dir, backup: true }), "absent.json", codec);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_NOT_FOUND" } });
    expect(await readdir(dir)).toEqual([]);
  });

  it("uses the backup when the primary is missing", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "app.json.bak"), '{"from":"backup"}');
    const result = await loadTarget(createFsSink({ dir, backup: true }), "app.json", codec);
    expect(result).toMatchObject({ ok: true, source: "backup", value: { from: "backup" } });
  });

  it("reports ERR_CORRUPT when primary and backup are both corrupt, quarantining the primary", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "app.json"), "{");
    await writeFile(join(dir, "app.json.bak"), "[");
    const result = await loadTarget(createFsSink({ dir, backup: true }), "app.json", codec);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_CORRUPT" } });
    expect(result.quarantinedTo).toMatch(/^app\.json\.corrupt-/);
    expect(await readFile(join(dir, "app.json.bak"), "utf8")).toBe("[");
  });

  it("reports EACCES as ERR_PERMISSION without quarantining or using the backup (injected)", async () => {
    const dir = await dirs.make();
    await writeFile(join(dir, "app.json"), '{"fine":true}');
    await writeFile(join(dir, "app.json.bak"), '{"older":true}');
    const fs = createFaultyFs(nodeFs, [
      { op: "open", path: join(dir, "app.json"), fault: { error: "EACCES" } },
    ]);
    const result = await loadTarget(createFsSink({ dir, fs, backup: true }), "app.json", codec);
    expect(result).toMatchObject({ ok: false, error: { code: "ERR_PERMISSION" } });
    expect(result.quarantinedTo).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(["app.json", "app.json.bak"]);
  });

  it("reports a real chmod 000 file as ERR_PERMISSION (as an unprivileged user when root)", async () => {
    expect(existsSync(DIST), "build the package first").toBe(true);
    const dir = await dirs.make();
    await chmod(dir, 0o755);
    await writeFile(join(dir, "app.json"), '{"fine":true}');
    await writeFile(join(dir, "app.json.bak"), '{"older":true}');
    await chmod(join(dir, "app.json"), 0o000);
    // Root reads anything regardless of the mode bits, so the check runs as "nobody" then.
    const { stdout } = await execa(process.execPath, [LOADER, dir, "app.json"], {
      timeout: 30_000,
      ...(isRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    const outcome = JSON.parse(stdout);
    if (isRoot) expect(outcome.uid).toBe(NOBODY);
    expect(outcome).toMatchObject({ ok: false, code: "ERR_PERMISSION", cause: "EACCES" });
    expect(outcome.quarantinedTo).toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(["app.json", "app.json.bak"]);
  });
});
