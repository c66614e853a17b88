import { performance } from "node:perf_hooks";
import type { Sink } from "@snapwrite/core";

/**
 * Time-weighted mean of the `write` calls in flight on the sinks it wraps, from the first call
 * that started after the last reset to the last one that ended.
 */
export interface InFlightMeter {
  /** Wraps `sink.write` in place so that its calls are counted; returns the sink. */
  wrap<S extends Sink>(sink: S): S;
  /** Starts a new measurement. */
  reset(): void;
  /** The mean over the measurement so far; 0 before any call ended. */
  mean(): number;
}

/** Creates an {@link InFlightMeter}. */
export function createInFlightMeter(): InFlightMeter {
  let inFlight = 0;
  let area = 0;
  let firstStart: number | undefined;
  let changedAt = 0;
  const change = (by: number): void => {
    const now = performance.now();
    firstStart ??= now;
    area += inFlight * (now - changedAt);
    changedAt = now;
    inFlight += by;
  };
  return {
    wrap(sink) {
      const write = sink.write.bind(sink);
      sink.write = async (...params: Parameters<Sink["write"]>) => {
        change(1);
        try {
          return await write(...params);
        } finally {
          change(-1);
        }
      };
      return sink;
    },
    reset() {
      area = 0;
      firstStart = undefined;
    },
    mean() {
      const elapsed = firstStart === undefined ? 0 : changedAt - firstStart;
      return elapsed > 0 ? area / elapsed : 0;
    },
  };
}
