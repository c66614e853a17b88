export type {
  MemorySink,
  MemorySinkInspectOptions,
  MemorySinkLatencyInfo,
  MemorySinkOperation,
  MemorySinkOptions,
  MemorySinkQuarantineRecord,
  MemorySinkStats,
} from "./memory-sink.js";
export { createMemorySink } from "./memory-sink.js";
