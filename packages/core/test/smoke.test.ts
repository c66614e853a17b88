import { describe, expect, it } from "vitest";
import { createPersistenceWriter } from "../src/index.js";
import { FakeClock, FakeSink, textCodec } from "./support/fakes.js";

describe("smoke", () => {
  it("writes", async () => {
    const clock = new FakeClock();
    const sink = new FakeSink();
    const writer = createPersistenceWriter({ sink, clock });
    let state = "a";
    const h = writer.register("x.txt", { snapshot: () => state, codec: textCodec() });
    const t1 = h.request("r1");
    state = "b";
    const t2 = h.request("r2");
    await clock.advance(1000);
    const r = await t2.settled;
    expect(await t1.settled).toBe(r);
    expect(r.ok).toBe(true);
    expect(sink.written.map((w) => w.text)).toEqual(["b"]);
    const report = await writer.close();
    expect(report.ok).toBe(true);
  });
});
