import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog } from "../src/index.js";

describe("append log open is bounded", () => {
  it("an active file that is never where it was looked for ends in ERR_STALE, not in a loop", async () => {
    const memory = createMemoryFs({ "/logs/chat.jsonl": "" });
    const fs = createFaultyFs(memory);
    // It exists (so creating it fails with EEXIST), yet every look says it does not.
    fs.addFaults([
      { op: "lstat", path: "/logs/chat.jsonl", times: Infinity, fault: { error: "ENOENT" } },
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve("still pending after 5 s"), 5_000);
    });
    const outcome = await Promise.race([
      openAppendLog({ fs, path: "/logs/chat.jsonl", lock: false }).then(
        () => "opened",
        (error: unknown) => error,
      ),
      deadline,
    ]);
    clearTimeout(timer);
    expect(outcome).toMatchObject({
      code: "ERR_STALE",
      stage: "open",
      details: { reason: "changing", attempts: 16 },
    });
    // One look at the active file per attempt (the directory is looked at once, before its mkdir).
    const looks = fs.calls.filter((c) => c.op === "lstat" && c.path === "/logs/chat.jsonl");
    expect(looks.length).toBe(16);
  });
});
