import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createPersistenceWriter,
  PersistenceError,
  type PersistenceTicket,
  type Sink,
} from "../src/index.js";
import { FakeClock, textCodec } from "./support/fakes.js";

type Op =
  | { readonly kind: "request"; readonly target: number; readonly immediate: boolean }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "plan"; readonly delayMs: number; readonly fail: boolean };

const TARGETS = 4;

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("request" as const),
    target: fc.integer({ min: 0, max: TARGETS - 1 }),
    immediate: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 300 }) }),
  fc.record({
    kind: fc.constant("plan" as const),
    delayMs: fc.integer({ min: 0, max: 200 }),
    fail: fc.boolean(),
  }),
);

describe("writer concurrency (model)", () => {
  it("never exceeds the bound, never loses a final save, and settles every ticket with a covering outcome", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { maxLength: 40 }),
        async (concurrency, ops) => {
          const clock = new FakeClock();
          const plans: { delayMs: number; fail: boolean }[] = [];
          const files = new Map<string, string>();
          const stats = { active: 0, maxActive: 0 };
          const decoder = new TextDecoder();
          const sink: Sink = {
            capabilities: {
              atomicReplace: true,
              durable: false,
              backup: false,
              crossProcessLock: false,
              fencing: false,
            },
            async write(target, chunks) {
              stats.active++;
              stats.maxActive = Math.max(stats.maxActive, stats.active);
              try {
                const plan = plans.shift() ?? { delayMs: 0, fail: false };
                if (plan.delayMs > 0) {
                  await new Promise<void>((resolve) => clock.setTimeout(resolve, plan.delayMs));
                }
                let text = "";
                for await (const chunk of chunks) text += decoder.decode(chunk);
                if (plan.fail) throw new PersistenceError("ERR_IO", "planned", { stage: "write" });
                files.set(target, text);
                return { bytes: text.length, durable: false };
              } finally {
                stats.active--;
              }
            },
            async read() {
              throw new PersistenceError("ERR_NOT_FOUND", "none");
            },
          };
          const writer = createPersistenceWriter({
            sink,
            clock,
            executor: "inline",
            concurrency,
            random: () => 0.5,
            retry: { initialMs: 50, maxMs: 200 },
          });
          const values = Array.from({ length: TARGETS }, () => 0);
          const handles = values.map((_, i) =>
            writer.register(`t${i}`, {
              snapshot: () => String(values[i]),
              codec: textCodec(),
              debounceMs: 50,
              maxDelayMs: 200,
            }),
          );
          const tickets: PersistenceTicket[] = [];
          for (const step of ops) {
            if (step.kind === "plan") plans.push(step);
            else if (step.kind === "advance") await clock.advance(step.ms);
            else {
              values[step.target] = (values[step.target] ?? 0) + 1;
              const urgency = step.immediate ? "immediate" : "debounced";
              tickets.push(handles[step.target]?.request("r", { urgency }) as PersistenceTicket);
            }
          }
          plans.length = 0;
          const closing = writer.close({ timeoutMs: Number.POSITIVE_INFINITY });
          await clock.advance(10_000);
          const report = await closing;
          expect(stats.maxActive).toBeLessThanOrEqual(concurrency);
          expect(report.ok).toBe(true);
          values.forEach((value, i) => {
            if (value > 0) expect(files.get(`t${i}`)).toBe(String(value));
          });
          for (const ticket of tickets) {
            const result = await ticket.settled;
            expect(result.generation).toBeGreaterThanOrEqual(ticket.generation);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
