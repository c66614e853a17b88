export type {
  MemorySinkInspectOptions,
  MemorySinkStats,
} from "./inspect.js";
export type { MemorySink } from "./memory-sink.js";
export { createMemorySink } from "./memory-sink.js";
export type {
  MemorySinkLatencyInfo,
  MemorySinkOperation,
  MemorySinkOptions,
} from "./options.js";
export type { MemorySinkQuarantineRecord } from "./store.js";
