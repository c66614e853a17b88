import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog } from "../src/index.js";

const DIR = "/logs";
const PATH = `${DIR}/chat.jsonl`;
const ROTATED = "chat.0000000000000001.jsonl";

const TOO_LONG = {
  code: "ERR_INVALID_TARGET",
  details: { reason: "name-too-long", osCode: "ENAMETOOLONG", committed: false },
};

/**
 * A file system with a shorter name limit than the one the open checks against: each step of a
 * rotation that meets a name it refuses (`ENAMETOOLONG`). The faulty fs matches `link` and `rename`
 * by their source: the active file, linked to the rotated name, then moved to a private one.
 */
const steps = [
  { step: "the check of the rotated name", op: "lstat", path: `${DIR}/${ROTATED}` },
  { step: "the link to the rotated name", op: "link", path: PATH },
  { step: "the move to the private name", op: "rename", path: PATH },
] as const;

describe("a rotation that meets a name the file system finds too long", () => {
  for (const { step, op, path } of steps) {
    it(`fails at ${step} with the permanent ERR_INVALID_TARGET (name-too-long), not ERR_IO`, async () => {
      const memory = createMemoryFs({ [DIR]: null });
      const fs = createFaultyFs(memory);
      const log = await openAppendLog({
        fs,
        path: PATH,
        lock: "session",
        rotate: { maxBytes: 64 },
      });
      await log.append({ pad: "p".repeat(80) });
      fs.addFaults([{ op, path, times: Infinity, fault: { error: "ENAMETOOLONG" } }]);
      await expect(log.append({ n: 2 })).rejects.toMatchObject(TOO_LONG);
      await expect(log.rotate()).rejects.toMatchObject({
        code: "ERR_INVALID_TARGET",
        details: { reason: "name-too-long" },
      });
      await log.close();
    });
  }

  it("fails the open that finishes an interrupted rotation the same way", async () => {
    const memory = createMemoryFs({ [DIR]: null });
    const fs = createFaultyFs(memory);
    const log = await openAppendLog({ fs, path: PATH, rotate: { maxBytes: 64 } });
    await log.append({ pad: "p".repeat(80) });
    // The rotation links the rotated name, then cannot move the active name aside.
    fs.addFaults([{ op: "rename", path: PATH, times: Infinity, fault: { error: "ENAMETOOLONG" } }]);
    await expect(log.append({ n: 2 })).rejects.toMatchObject(TOO_LONG);
    await log.close();
    expect((await memory.readdir(DIR)).filter((f) => !f.includes(".lock")).sort()).toEqual(
      [ROTATED, "chat.jsonl"].sort(),
    );
    await expect(openAppendLog({ fs, path: PATH })).rejects.toMatchObject({
      code: "ERR_INVALID_TARGET",
      stage: "rename",
      details: { reason: "name-too-long" },
    });
  });
});
