import { createFaultyFs, createMemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openDurableStore } from "../src/index.js";
import { counterFiles } from "./counters.js";

const TOO_LONG = {
  code: "ERR_INVALID_TARGET",
  details: { reason: "name-too-long", osCode: "ENAMETOOLONG" },
};

describe("a store whose file names are longer than the file system allows", () => {
  it("fails the open with ERR_INVALID_TARGET (name-too-long), leaving no directory it created", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/disk": null }));
    faulty.addFaults([
      { op: "open", path: /\.wal\./, fault: { error: "ENAMETOOLONG" }, times: Infinity },
    ]);
    await expect(openDurableStore(counterFiles(faulty, "/disk/store"))).rejects.toMatchObject(
      TOO_LONG,
    );
    expect(await faulty.readdir("/disk")).toEqual([]);
  });

  it("leaves a directory that was there before as it was", async () => {
    const faulty = createFaultyFs(createMemoryFs({ "/disk/store": null }));
    faulty.addFaults([
      { op: "open", path: /\.wal\./, fault: { error: "ENAMETOOLONG" }, times: Infinity },
    ]);
    await expect(openDurableStore(counterFiles(faulty, "/disk/store"))).rejects.toMatchObject(
      TOO_LONG,
    );
    expect(await faulty.readdir("/disk")).toEqual(["store"]);
  });
});
