import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  type TargetHandle,
  PersistenceError,
  type Sink,
  type WriteResult,
} from "../src/index.js";
import { FakeClock, textCodec } from "./support/fakes.js";

type Op =
  | { readonly kind: "request"; readonly immediate: boolean }
  | { readonly kind: "advance"; readonly ms: number }
  | {
      readonly kind: "next-write";
      readonly delayMs: number;
      readonly fail?: "ERR_IO" | "ERR_STALE";
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

describe("scheduler invariants under random operation sequences", () => {
  it("keeps one write in flight, settles each ticket with the first covering outcome, and never loses the final state", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const clock = new FakeClock();
        const plans: { delayMs: number; fail?: "ERR_IO" | "ERR_STALE" | undefined }[] = [];
        const files = new Map<string, string>();
        const writeGenerations: number[] = [];
        let active = 0;
        let maxActive = 0;
        const decoder = new TextDecoder();
        const sink: Sink = {
          capabilities: {
            atomicReplace: true,
            durable: false,
            backup: false,
            crossProcessLock: false,
          },
          async write(target, chunks, options) {
            active++;
            maxActive = Math.max(maxActive, active);
            try {
              writeGenerations.push(options?.generation ?? -1);
              const plan = plans.shift() ?? { delayMs: 0 };
              if (plan.delayMs > 0)
                await new Promise<void>((r) => clock.setTimeout(r, plan.delayMs));
              let text = "";
              for await (const chunk of chunks) text += decoder.decode(chunk);
              if (plan.fail !== undefined)
                throw new PersistenceError(plan.fail, "planned", { stage: "write" });
              files.set(target, text);
              return { bytes: text.length, durable: false };
            } finally {
              active--;
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
        let generation = 0;
        const handle: TargetHandle<string> = writer.register("t", {
          snapshot: (): string => `v${handle.state.pendingGeneration}`,
          codec: textCodec(),
          debounceMs: 100,
          maxDelayMs: 300,
        });
        const tickets: { generation: number; result?: WriteResult; order?: number }[] = [];
        let settledOrder = 0;
        for (const step of ops) {
          if (step.kind === "request") {
            const ticket = step.immediate
              ? handle.request("r", { urgency: "immediate" })
              : handle.request("r");
            generation++;
            expect(ticket.generation).toBe(generation);
            const entry: { generation: number; result?: WriteResult } = { generation };
            tickets.push(entry);
            void ticket.settled.then((result) => {
              entry.result = result;
              settledOrder++;
            });
          } else if (step.kind === "advance") {
            await clock.advance(step.ms);
          } else {
            plans.push({ delayMs: step.delayMs, fail: step.fail });
          }
        }
        // Let everything finish with a healthy sink; a permanent failure waits for one more request.
        plans.length = 0;
        await clock.advance(5000);
        const final = handle.request("final");
        generation++;
        await clock.advance(5000);
        expect((await final.settled).ok).toBe(true);

        expect(maxActive).toBeLessThanOrEqual(1);
        for (let i = 1; i < writeGenerations.length; i++) {
          expect(writeGenerations[i]).toBeGreaterThanOrEqual(writeGenerations[i - 1] as number);
        }
        expect(files.get("t")).toBe(`v${generation}`);
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
        expect(settledOrder).toBe(tickets.length);
        const report = await writer.close();
        expect(report.targets[0]?.outcome).toBe("clean");
      }),
      { numRuns: 120 },
    );
  });
});
