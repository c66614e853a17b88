// What a young-generation collection copies per update of a 1M-entry keyed state, by what holds
// the state: the store's keyed state (`applyKeyedOps`, as a commit applies it, and a bare `put`)
// against a plain `Map` written in place (the floor: only the new values survive). No journal, no
// file system: each update builds the bench's op and value, applies it, and every 16 updates the
// loop yields a turn, as a group commit would. Each kind runs in its own child process under
// node's --trace-gc-nvp, with the same allocation per update (the lighter kinds drop filler garbage
// so that scavenges come as often), and the bytes each scavenge copied (new_space_survived +
// promoted) are summed and divided by the updates.
// Run: npm run build -w @snapwrite/bench && npm run profile:state-copies -w @snapwrite/bench
//   [-- --entries 1000000 --updates 20000 --rounds 2]

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import {
  applyKeyedOps,
  createKeyedState,
  type KeyedCollections,
  type KeyedOp,
} from "@snapwrite/store";
import { positiveArg } from "./keyed-bench-store.js";
import { median } from "./percentile.js";
import { entryValue, fmt, keyOf } from "./store-bench-run.js";

const KINDS = ["apply", "put", "map"] as const;
type Kind = (typeof KINDS)[number];
/** Filler bytes per update for the kinds that allocate less than a put does. */
const FILLER_BYTES: Record<Kind, number> = { apply: 0, put: 0, map: 2400 };
const MARK = "UPDATES START";

const { values: args } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    updates: { type: "string", default: "20000" },
    rounds: { type: "string", default: "2" },
    child: { type: "string" },
  },
  strict: true,
});

const filler: { last: unknown } = { last: undefined };

/** The child: fills a state, then applies the updates of one kind. */
async function child(kind: Kind, entries: number, updates: number): Promise<void> {
  const pairs: [string, unknown][] = [];
  for (let i = 0; i < entries; i++) pairs.push([keyOf(i), entryValue(i, 0)]);
  const collections = Object.create(null) as Record<string, ReturnType<typeof createKeyedState>>;
  collections.kv = createKeyedState(pairs);
  let state = Object.freeze(collections) as KeyedCollections;
  const map = new Map(pairs);
  pairs.length = 0;
  // Point reads build the state's hash index, as the store bench's reads do.
  for (let i = 0; i < entries; i += 97) state.kv?.get(keyOf(i));
  const fillerSlots = FILLER_BYTES[kind] / 8;
  // Nothing of the set-up is left in new space for the first measured scavenge to copy.
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`${MARK}\n`);
  for (let v = 1; v <= updates; v++) {
    const i = (v * 7919) % entries;
    const op: KeyedOp = { op: "put", collection: "kv", key: keyOf(i), value: entryValue(i, v) };
    if (kind === "apply") state = applyKeyedOps(state, [op]);
    else if (kind === "put") state = { kv: state.kv?.put(op.key, op.value) } as KeyedCollections;
    else map.set(op.key, op.value);
    if (fillerSlots > 0) filler.last = new Array(fillerSlots).fill(v);
    if (v % 16 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Bytes the scavenges after the mark copied, from --trace-gc-nvp lines. */
function copiedBytes(trace: string): { bytes: number; scavenges: number } {
  let bytes = 0;
  let scavenges = 0;
  const after = trace.slice(trace.indexOf(MARK));
  for (const line of after.split("\n")) {
    if (!line.includes("gc=s ")) continue;
    const field = (name: string) => Number(new RegExp(` ${name}=(\\d+)`).exec(line)?.[1] ?? 0);
    bytes += field("new_space_survived") + field("promoted");
    scavenges++;
  }
  return { bytes, scavenges };
}

async function main(): Promise<void> {
  const entries = positiveArg("entries", args.entries);
  const updates = positiveArg("updates", args.updates);
  const rounds = positiveArg("rounds", args.rounds);
  if (args.child !== undefined) {
    if (!(KINDS as readonly string[]).includes(args.child)) throw new RangeError("unknown --child");
    return child(args.child as Kind, entries, updates);
  }
  const self = fileURLToPath(import.meta.url);
  const run = promisify(execFile);
  const perUpdate = new Map<Kind, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const kind of KINDS) {
      const { stdout } = await run(
        process.execPath,
        [
          "--expose-gc",
          "--max-old-space-size=8192",
          "--trace-gc-nvp",
          self,
          "--child",
          kind,
          "--entries",
          String(entries),
          "--updates",
          String(updates),
        ],
        { timeout: 10 * 60_000, killSignal: "SIGKILL", maxBuffer: 64 << 20 },
      );
      const { bytes, scavenges } = copiedBytes(stdout);
      // A round without a scavenge measured nothing (too few updates to fill new space).
      if (scavenges > 0) perUpdate.set(kind, [...(perUpdate.get(kind) ?? []), bytes / updates]);
      process.stdout.write(
        `round ${round + 1} ${kind}: ${scavenges} scavenges${scavenges > 0 ? `, ${fmt(bytes / updates, 0)} B copied per update` : ": nothing measured, give more --updates"}\n`,
      );
    }
  }
  for (const kind of KINDS) {
    const list = perUpdate.get(kind) ?? [];
    process.stdout.write(
      list.length === 0
        ? `${kind}: no round had a scavenge\n`
        : `${kind}: median ${fmt(median(list), 0)} B copied per update (${list.length} rounds with scavenges)\n`,
    );
  }
}

await main();
