import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  PersistenceError,
  type Sink,
  type TargetHandle,
  type WriteResult,
} from "../src/index.js";
import { FakeClock, flush, textCodec } from "./support/fakes.js";

type Op =
  | { readonly kind: "request"; readonly immediate: boolean }
  | { readonly kind: "advance"; readonly ms: number }
  | {
      readonly kind: "next-write";
      readonly delayMs: number;
      readonly fail?: "ERR_IO" | "ERR_STALE" | undefined;
    };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("request" as const), immediate: fc.boolean() }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400 }) }),
  fc.record({
    kind: fc.constant("next-write" as const),
    delayMs: fc.integer({ min: 0, max: 600 }),
    fail: fc.constantFrom(undefined, "ERR_IO" as const, "ERR_STALE" as const),
  }),
);

interface TicketRecord {
  readonly generation: number;
  result?: WriteResult;
}

/**
 * Runs `ops` against a writer whose sink takes the planned time (on the fake clock, ignoring the
 * abort signal) and fails as planned, and records everything the invariants need.
 */
async function simulate(ops: readonly Op[]) {
  const clock = new FakeClock();
  const plans: { delayMs: number; fail?: "ERR_IO" | "ERR_STALE" | undefined }[] = [];
  const files = new Map<string, string>();
  const writeGenerations: number[] = [];
  const decoder = new TextDecoder();
  const stats = { active: 0, maxActive: 0 };
  const sink: Sink = {
    capabilities: {
      atomicReplace: true,
      durable: false,
      backup: false,
      crossProcessLock: false,
      fencing: false,
    },
    async write(target, chunks, options) {
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      try {
        writeGenerations.push(options?.generation ?? -1);
        const plan = plans.shift() ?? { delayMs: 0 };
        if (plan.delayMs > 0) await new Promise<void>((r) => clock.setTimeout(r, plan.delayMs));
        let text = "";
        for await (const chunk of chunks) text += decoder.decode(chunk);
        if (plan.fail !== undefined) {
          throw new PersistenceError(plan.fail, "planned", { stage: "write" });
        }
        files.set(target, text);
        return { bytes: text.length, durable: false };
      } finally {
        stats.active--;
      }
    },
    read: async () => new Uint8Array(),
  };
  const results: WriteResult[] = [];
  const writer = createPersistenceWriter({
    sink,
    clock,
    executor: "inline",
    random: () => 0.5,
    retry: { initialMs: 50, maxMs: 400 },
    onResult: (result) => results.push(result),
  });
  const handle: TargetHandle<string> = writer.register("t", {
    snapshot: (): string => `v${handle.state.pendingGeneration}`,
    codec: textCodec(),
    debounceMs: 100,
    maxDelayMs: 300,
  });
  const tickets: TicketRecord[] = [];
  const request = (immediate: boolean) => {
    const ticket = immediate ? handle.request("r", { urgency: "immediate" }) : handle.request("r");
    expect(ticket.generation).toBe(tickets.length + 1);
    const record: TicketRecord = { generation: ticket.generation };
    tickets.push(record);
    void ticket.settled.then((result) => {
      record.result = result;
    });
  };
  for (const step of ops) {
    if (step.kind === "request") request(step.immediate);
    else if (step.kind === "advance") await clock.advance(step.ms);
    else plans.push({ delayMs: step.delayMs, fail: step.fail });
  }
  return {
    clock,
    plans,
    files,
    writeGenerations,
    stats,
    results,
    writer,
    handle,
    tickets,
    request,
  };
}

describe("scheduler invariants under random operation sequences", () => {
  it("keeps one write in flight, settles each ticket with the first covering outcome, and never loses the final state", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const run = await simulate(ops);
        const { clock, handle, tickets, results } = run;
        // Let everything finish with a healthy sink; a permanent failure waits for one more request.
        run.plans.length = 0;
        await clock.advance(5000);
        run.request(false);
        await clock.advance(5000);
        const generation = tickets.length;

        expect(run.stats.maxActive).toBeLessThanOrEqual(1);
        for (let i = 1; i < run.writeGenerations.length; i++) {
          expect(run.writeGenerations[i]).toBeGreaterThanOrEqual(
            run.writeGenerations[i - 1] as number,
          );
        }
        expect(run.files.get("t")).toBe(`v${generation}`);
        expect(handle.state).toMatchObject({
          pendingGeneration: generation,
          durableGeneration: generation,
          unsaved: false,
        });
        for (const ticket of tickets) {
          expect(ticket.result).toBeDefined();
          const first = results.find((r) => r.generation >= ticket.generation);
          expect(ticket.result).toBe(first);
        }
        const report = await run.writer.close();
        expect(report.targets[0]?.outcome).toBe("clean");
      }),
      { numRuns: 120 },
    );
  });

  it("closes within the deadline, reports consistently and settles every ticket", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { maxLength: 30 }),
        fc.integer({ min: 0, max: 1500 }),
        async (ops, timeoutMs) => {
          const run = await simulate(ops);
          const { clock, tickets } = run;
          const closing = run.writer.close({ timeoutMs });
          let done = false;
          void closing.then(() => {
            done = true;
          });
          await clock.advance(timeoutMs);
          expect(done).toBe(true);
          const report = await closing;
          await flush();
          const line = report.targets[0];
          expect(line?.generation).toBe(tickets.length);
          expect(report.ok).toBe(line?.outcome !== "failed" && line?.outcome !== "timed-out");
          for (const ticket of tickets) expect(ticket.result).toBeDefined();
          if (line?.outcome === "written" || line?.outcome === "clean") {
            if (tickets.length > 0) expect(run.files.get("t")).toBe(`v${tickets.length}`);
          }
          if (line?.outcome === "timed-out") {
            expect(line.error?.code).toBe("ERR_TIMEOUT");
            const last = tickets.at(-1)?.result;
            expect(last?.ok).toBe(false);
          }
          if (line?.outcome === "failed") expect(line.error?.code).toBe("ERR_STALE");
        },
      ),
      { numRuns: 120 },
    );
  });
});
