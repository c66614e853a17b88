import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { LineChild } from "../src/index.js";

const ECHO = fileURLToPath(new URL("./fixtures/line-echo.mjs", import.meta.url));
const children: LineChild[] = [];

function start(...args: string[]): LineChild {
  const child = new LineChild(ECHO, args);
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe("LineChild", () => {
  it("passes the arguments and hands out the child's lines in order, each once", async () => {
    const child = start("a", "b");
    expect(await child.take(1)).toEqual(["ready:a,b"]);
    child.send("one");
    child.send("two");
    expect(await child.take(2)).toEqual(["echo:one", "echo:two"]);
  });

  it("rejects with the lines so far and the child's stderr once the child exited", async () => {
    const child = start();
    child.send("quit");
    await expect(child.take(2)).rejects.toThrow(/expected 2 lines, got \["ready:"\]; bye/);
  });

  it("rejects after its deadline when the child stays silent", async () => {
    const child = start();
    await expect(child.take(2, 300)).rejects.toThrow(/expected 2 lines/);
    expect(child.process.exitCode).toBeNull();
  });

  it("kills a child that still runs, even a stopped one", async () => {
    const child = start();
    child.send("stop");
    const closed = new Promise((resolve) => child.process.on("close", resolve));
    await child.take(1);
    child.kill();
    await closed;
    expect(child.process.signalCode).toBe("SIGKILL");
  });
});
