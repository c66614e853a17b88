import { createManualClock, createMemoryFs, type MemoryFs } from "@snapwrite/testkit";
import { describe, expect, it } from "vitest";
import { openAppendLog, readAppendLog } from "../src/index.js";

const DIR = "/logs";
const PATH = `${DIR}/chat.jsonl`;
const rotatedName = (firstSeq: number) => `chat.${firstSeq.toString(16).padStart(16, "0")}.jsonl`;

/** The copies of cut bytes of `chat.jsonl` in the directory (and names that look like them). */
async function copies(fs: MemoryFs): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((f) => /^chat\.jsonl\.(torn|failed)-/.test(f)).sort();
}

/** What a writer killed mid-append leaves: a last line without its newline. */
function tear(fs: MemoryFs): void {
  fs.vol.appendFileSync(PATH, '{"seq":99,"va');
}

describe("append log retention and the copies of cut bytes", () => {
  it("deletes the copies of a rotated file together with it, by the times in their names", async () => {
    const fs = createMemoryFs({ [DIR]: null });
    const clock = createManualClock(1_000);
    const options = { fs, clock, path: PATH, rotate: { keep: 1 } };

    // File 1 is started at 1000; its torn tail is cut at 2000.
    let log = await openAppendLog(options);
    await log.append({ n: 1 });
    await log.close();
    tear(fs);
    clock.advance(1_000);
    log = await openAppendLog(options);
    const [first] = log.repairs.map((r) => r.quarantinedTo);
    expect(first).toMatch(/^chat\.jsonl\.torn-2000-[0-9a-z]{6}$/);
    await log.append({ n: 2 });
    // Leftovers as earlier versions or other writers named them, and names that are no copy.
    const legacy = ["chat.jsonl.torn-1500.25-abc123", "chat.jsonl.failed-2500-abc123"];
    const others = ["chat.jsonl.torn-1500-abc123.bak", "other.jsonl.torn-1500-abc123"];
    for (const file of [...legacy, ...others]) fs.vol.writeFileSync(`${DIR}/${file}`, "x");
    fs.vol.mkdirSync(`${DIR}/chat.jsonl.torn-1600-abc123`);
    clock.advance(1_000);
    // File 1 is rotated at 3000, file 2 started: the copies are file 1's, which is kept.
    expect(await log.rotate()).toBe(rotatedName(1));
    expect(await copies(fs)).toEqual(
      [first, ...legacy, others[0], "chat.jsonl.torn-1600-abc123"].sort(),
    );
    await log.close();

    // File 2's torn tail is cut at 4000; at 5000 it is rotated, and retention deletes file 1.
    tear(fs);
    clock.advance(1_000);
    log = await openAppendLog(options);
    const [second] = log.repairs.map((r) => r.quarantinedTo);
    await log.append({ n: 3 });
    clock.advance(1_000);
    expect(await log.rotate()).toBe(rotatedName(3));
    await log.close();
    const files = await fs.readdir(DIR);
    expect(files).not.toContain(rotatedName(1));
    // File 1's copies went with it; file 2's stays, and so does every other name.
    expect(await copies(fs)).toEqual([second, others[0], "chat.jsonl.torn-1600-abc123"].sort());
    expect(files).toContain(others[1]);

    const seqs: number[] = [];
    for await (const entry of readAppendLog({ fs, path: PATH })) {
      if ("problem" in entry) throw new Error(`damage: ${entry.problem}`);
      seqs.push(entry.seq);
    }
    expect(seqs).toEqual([3]);
  });

  for (const rotate of [
    { maxBytes: 200, keep: 2 },
    { maxBytes: 200, maxTotalBytes: 500 },
  ]) {
    it(`keeps them bounded when every writer is killed mid-append (${JSON.stringify(rotate)})`, async () => {
      const fs = createMemoryFs({ [DIR]: null });
      const clock = createManualClock(1_000);
      let made = 0;
      for (let round = 0; round < 30; round++) {
        clock.advance(10);
        const log = await openAppendLog({ fs, clock, path: PATH, rotate });
        made += log.repairs.length;
        for (let i = 0; i < 2; i++) {
          clock.advance(10);
          await log.append({ round, i, pad: "x".repeat(60) });
        }
        await log.close();
        tear(fs);
      }
      expect(made).toBe(29);
      const files = await fs.readdir(DIR);
      const rotated = files.filter((f) => /^chat\.[0-9a-f]{16}\.jsonl$/.test(f));
      expect(rotated.length).toBeLessThanOrEqual(2);
      // Copies are left of the files still there only: at most one per open since the oldest.
      console.log("COPIES", await copies(fs), files);
      expect((await copies(fs)).length).toBeLessThanOrEqual(3);
    });
  }
});
