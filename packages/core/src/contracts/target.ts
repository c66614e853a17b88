/** Name of a persisted target, relative to the sink's root: `"known.met"`, `"state/runtime.json"`. */
export type TargetId = string;
