import type { Codec, FsPort, OpsCodec } from "@snapwrite/core";
import { PersistenceError } from "@snapwrite/core";
import { type OpenDurableStoreOptions, openDurableStore } from "../src/index.js";

/** Counters: a non-idempotent op, so any double apply (or a lost one) changes the state. */
export type Counters = Readonly<Record<string, number>>;
export type AddOp = { readonly op: "add"; readonly key: string; readonly n: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const countersCodec: Codec<Counters> = {
  name: "counters-json",
  *encode(value) {
    yield encoder.encode(JSON.stringify(value));
  },
  decode(bytes) {
    try {
      return JSON.parse(decoder.decode(bytes)) as Counters;
    } catch (error) {
      throw new PersistenceError("ERR_CORRUPT", "bad counters snapshot", {
        cause: error,
        details: { offset: 0 },
      });
    }
  },
};

export const addOpsCodec: OpsCodec<AddOp> = {
  name: "add-ops",
  encode: (ops) => encoder.encode(JSON.stringify(ops)),
  decode(bytes) {
    try {
      return JSON.parse(decoder.decode(bytes)) as AddOp[];
    } catch (error) {
      throw new PersistenceError("ERR_CORRUPT", "bad ops", {
        cause: error,
        details: { offset: 0 },
      });
    }
  },
};

/** Adds; a negative result is a failed precondition (`ERR_CONFLICT`). */
export function applyAdds(state: Counters, ops: readonly AddOp[]): Counters {
  const next: Record<string, number> = { ...state };
  for (const op of ops) {
    const value = (next[op.key] ?? 0) + op.n;
    if (value < 0) {
      throw new PersistenceError("ERR_CONFLICT", `${op.key} would go below zero`);
    }
    next[op.key] = value;
  }
  return Object.freeze(next);
}

export const add = (key: string, n = 1): AddOp => ({ op: "add", key, n });

export const DIR = "/data";

/** The store-file options of a counters store in `dir` (default {@link DIR}), for either opener. */
export function counterFiles(fs?: FsPort, dir = DIR) {
  return {
    dir,
    ...(fs === undefined ? {} : { fs }),
    codec: countersCodec,
    ops: addOpsCodec,
    apply: applyAdds,
    empty: (): Counters => Object.freeze({}),
  };
}

export function openCounters(
  fs: FsPort,
  extra: Partial<OpenDurableStoreOptions<Counters, AddOp>> = {},
) {
  return openDurableStore<Counters, AddOp>({ ...counterFiles(fs), ...extra });
}
