import {
  createPersistenceWriter,
  type PersistenceWriterOptions,
  type TargetOptions,
} from "../../src/index.js";
import { FakeClock, FakeSink, textCodec } from "./fakes.js";

/** A writer on a fake clock and sink with one registered text target whose value tests set. */
export function setup(
  writerOptions: Partial<PersistenceWriterOptions> = {},
  targetOptions: Partial<TargetOptions<string>> = {},
) {
  const clock = new FakeClock();
  const sink = new FakeSink();
  const results: import("../../src/index.js").WriteResult[] = [];
  const writer = createPersistenceWriter({
    sink,
    clock,
    executor: "inline",
    random: () => 0.5,
    onResult: (result) => results.push(result),
    ...writerOptions,
  });
  const model = { value: "v0", snapshots: 0 };
  const handle = writer.register("state.txt", {
    snapshot: () => {
      model.snapshots++;
      return model.value;
    },
    codec: textCodec(),
    debounceMs: 100,
    maxDelayMs: 1000,
    ...targetOptions,
  });
  return { clock, sink, writer, handle, model, results };
}
