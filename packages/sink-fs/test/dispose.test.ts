import { isPersistenceError } from "@snapwrite/core";
import { afterEach, describe, expect, it } from "vitest";
import { createFsSink } from "../src/index.js";
import { createTempDirs, textChunks } from "./helpers.js";

const dirs = createTempDirs();
afterEach(() => dirs.cleanup());

describe("createFsSink and await using", () => {
  it("closes the sink when the scope ends", async () => {
    const dir = await dirs.make();
    let escaped: ReturnType<typeof createFsSink> | undefined;
    {
      await using sink = createFsSink({ dir });
      escaped = sink;
      await sink.write("a.txt", textChunks("a"));
    }
    let thrown: unknown;
    try {
      await escaped.write("b.txt", textChunks("b"));
    } catch (error) {
      thrown = error;
    }
    expect(isPersistenceError(thrown, "ERR_CLOSED")).toBe(true);
  });
});
