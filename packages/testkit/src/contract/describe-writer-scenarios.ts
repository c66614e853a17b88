import type { Sink } from "@snapwrite/core";
import { describe, it } from "vitest";
import {
  checkWriterBurst,
  checkWriterFailingThenRecovering,
  checkWriterFinalSave,
  checkWriterHungSinkAtShutdown,
} from "../checks/writer-scenarios.js";
import { assertSuiteArguments, SINK_SUITE_OPTIONS } from "./suite-arguments.js";

/** Options of {@link describeWriterScenarios}. */
export interface WriterScenarioOptions {
  /** Returns a fresh, empty sink; called for every scenario. */
  readonly create: () => Sink | Promise<Sink>;
  /** Disposes of a sink after its scenario. Default: `sink.close?.()`. */
  readonly destroy?: ((sink: Sink) => void | Promise<void>) | undefined;
  /** Per-test timeout in ms. Default 30 000. */
  readonly timeoutMs?: number | undefined;
}

/**
 * The scheduler (`createPersistenceWriter` of `@snapwrite/core`) end to end on a sink, with an
 * injected manual clock: burst, final save, hung sink at shutdown, failing then recovering sink.
 */
export function describeWriterScenarios(label: string, options: WriterScenarioOptions): void {
  assertSuiteArguments("describeWriterScenarios", label, options, SINK_SUITE_OPTIONS);
  const scenario = (name: string, run: (sink: Sink) => Promise<void>) =>
    it(
      name,
      async () => {
        const sink = await options.create();
        try {
          await run(sink);
        } finally {
          if (options.destroy !== undefined) await options.destroy(sink);
          else await sink.close?.();
        }
      },
      options.timeoutMs ?? 30_000,
    );
  describe(`${label}: writer scenarios`, () => {
    scenario("coalesces a burst of requests into one write of the newest state", checkWriterBurst);
    scenario(
      "writes a pending save at close() without waiting for the debounce",
      checkWriterFinalSave,
    );
    scenario(
      "gives up on a hung sink at the close() deadline and aborts its write",
      checkWriterHungSinkAtShutdown,
    );
    scenario(
      "retries a failing sink until it recovers and stores the newest state",
      checkWriterFailingThenRecovering,
    );
  });
}
