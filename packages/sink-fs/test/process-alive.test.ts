import { describe, expect, it } from "vitest";
import { isProcessAlive } from "../src/index.js";
import { deadPid } from "./helpers.js";

describe("isProcessAlive", () => {
  it("sees this process and its parent as alive", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(process.ppid)).toBe(true);
  });

  it("sees an exited process as gone", async () => {
    expect(isProcessAlive(await deadPid())).toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN, 2 ** 60])("counts the malformed pid %s as alive", (pid) => {
    expect(isProcessAlive(pid)).toBe(true);
  });
});
