import { createHash } from "node:crypto";
import { createMemoryFs, type MemoryFs } from "./memory-fs.js";

/** Model id of an inode (not memfs's number, which memfs reuses). */
export type InodeId = number;

/** Static facts about an inode. */
export interface InodeInfo {
  /** What the inode is. */
  readonly kind: "file" | "dir" | "symlink";
  /** Mode at creation (later changes are `mode` operations). */
  mode: number;
  /** Target of a symbolic link. */
  readonly link?: string | undefined;
}

/** One persistence-relevant operation, as the model sees it. */
export type ModelOp =
  | { readonly t: "set"; readonly dir: InodeId; readonly name: string; readonly ino: InodeId }
  | { readonly t: "del"; readonly dir: InodeId; readonly name: string }
  | {
      readonly t: "move";
      readonly dir: InodeId;
      readonly from: string;
      readonly to: string;
      readonly ino: InodeId;
    }
  | { readonly t: "write"; readonly ino: InodeId; readonly pos: number; readonly data: Uint8Array }
  | { readonly t: "trunc"; readonly ino: InodeId; readonly size: number }
  | { readonly t: "mode"; readonly ino: InodeId; readonly mode: number }
  | { readonly t: "fsync"; readonly ino: InodeId };

/** The durable starting point: what was on disk before any recorded operation. */
export interface ModelBase {
  /** Inode of `/`. */
  readonly root: InodeId;
  /** Every inode ever seen, also those created later (the map grows as operations are recorded). */
  readonly infos: Map<InodeId, InodeInfo>;
  /** Initial file contents. */
  readonly data: ReadonlyMap<InodeId, Uint8Array>;
  /** Initial directory entries. */
  readonly entries: ReadonlyMap<InodeId, ReadonlyMap<string, InodeId>>;
}

/** A choice of what reached the disk at one crash point. */
export interface CrashChoice {
  /** Number of operations issued before the crash. */
  readonly point: number;
  /** Indices of operations applied. */
  readonly applied: ReadonlySet<number>;
  /** Operation index → bytes kept, for a torn write. */
  readonly torn: ReadonlyMap<number, number>;
  /** Indices of un-synced operations that reached the disk (for descriptions). */
  readonly lucky: readonly number[];
}

/** A materialized crash state. */
export interface Materialized {
  /** Regular files (first path of each inode) → bytes. */
  readonly files: Map<string, Uint8Array>;
  /** Directories, parents first. */
  readonly dirs: string[];
  /** Hard links: `[existing path, new path]`. */
  readonly links: [string, string][];
  /** Symbolic links: `[link target, path]`. */
  readonly symlinks: [string, string][];
  /** Permission bits per path. */
  readonly modes: Map<string, number>;
  /** Canonical description, equal for equal states (used to deduplicate). */
  readonly key: string;
}

function relevantId(op: ModelOp): InodeId {
  switch (op.t) {
    case "set":
    case "del":
    case "move":
      return op.dir;
    default:
      return op.ino;
  }
}

function isEntryOp(op: ModelOp): boolean {
  return op.t === "set" || op.t === "del" || op.t === "move";
}

/** Tear sizes tried for a partially persisted write of `length` bytes. */
function tearsOf(length: number): number[] {
  const out = new Set<number>();
  for (const candidate of [1, Math.floor(length / 2), length - 1]) {
    if (candidate > 0 && candidate < length) out.add(candidate);
  }
  return [...out].sort((a, b) => a - b);
}

interface Variant {
  readonly full: number;
  readonly tornBytes?: number | undefined;
}

/** Splits the operations before `point` into forced (synced) ones and the un-synced rest. */
function classify(ops: readonly ModelOp[], point: number) {
  const forced = new Set<number>();
  const synced = new Set<InodeId>();
  const entryPending: number[] = [];
  const dataPending = new Map<InodeId, number[]>();
  for (let i = point - 1; i >= 0; i--) {
    const op = ops[i] as ModelOp;
    if (op.t === "fsync") {
      synced.add(op.ino);
      continue;
    }
    const id = relevantId(op);
    if (synced.has(id)) {
      forced.add(i);
    } else if (isEntryOp(op)) {
      entryPending.unshift(i);
    } else {
      const list = dataPending.get(id) ?? [];
      list.unshift(i);
      dataPending.set(id, list);
    }
  }
  const groups: { ops: number[]; variants: Variant[] }[] = [];
  for (const list of dataPending.values()) {
    const variants: Variant[] = [];
    for (let full = 0; full <= list.length; full++) {
      variants.push({ full });
      const next = full < list.length ? ops[list[full] as number] : undefined;
      if (next !== undefined && next.t === "write") {
        for (const tornBytes of tearsOf(next.data.byteLength)) variants.push({ full, tornBytes });
      }
    }
    groups.push({ ops: list, variants });
  }
  return { forced, entryPending, groups };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Lists the choices of what reached the disk for a crash after `point` operations: every
 * combination when there are at most `budget`, otherwise the two extremes (nothing un-synced /
 * everything un-synced) plus seeded random ones.
 */
export function choicesAt(
  ops: readonly ModelOp[],
  point: number,
  budget: number,
  seed: number,
): CrashChoice[] {
  const { forced, entryPending, groups } = classify(ops, point);
  const build = (entryMask: (i: number) => boolean, picks: readonly number[]): CrashChoice => {
    const applied = new Set(forced);
    const torn = new Map<number, number>();
    const lucky: number[] = [];
    entryPending.forEach((index, i) => {
      if (entryMask(i)) {
        applied.add(index);
        lucky.push(index);
      }
    });
    groups.forEach((group, g) => {
      const variant = group.variants[picks[g] ?? 0] as Variant;
      for (let j = 0; j < variant.full; j++) {
        applied.add(group.ops[j] as number);
        lucky.push(group.ops[j] as number);
      }
      if (variant.tornBytes !== undefined) {
        const index = group.ops[variant.full] as number;
        applied.add(index);
        torn.set(index, variant.tornBytes);
        lucky.push(index);
      }
    });
    lucky.sort((a, b) => a - b);
    return { point, applied, torn, lucky };
  };
  const sizes = groups.map((g) => g.variants.length);
  let total = 2 ** entryPending.length;
  for (const size of sizes) total *= size;
  const out: CrashChoice[] = [];
  if (total <= budget) {
    for (let n = 0; n < total; n++) {
      let rest = n;
      const picks = sizes.map((size) => {
        const pick = rest % size;
        rest = Math.floor(rest / size);
        return pick;
      });
      const mask = rest;
      out.push(build((i) => ((mask >>> i) & 1) === 1, picks));
    }
    return out;
  }
  out.push(
    build(
      () => false,
      sizes.map(() => 0),
    ),
  );
  out.push(
    build(
      () => true,
      groups.map((g) => g.variants.length - 1),
    ),
  );
  const random = mulberry32(seed ^ Math.imul(point + 1, 0x9e3779b1));
  for (let n = 2; n < budget; n++) {
    const bits = entryPending.map(() => random() < 0.5);
    const picks = sizes.map((size) => Math.floor(random() * size));
    out.push(build((i) => bits[i] === true, picks));
  }
  return out;
}

/** Applies a choice to the base and lays out the surviving tree. */
export function materialize(
  base: ModelBase,
  ops: readonly ModelOp[],
  choice: CrashChoice,
): Materialized {
  const entries = new Map<InodeId, Map<string, InodeId>>();
  for (const [dir, map] of base.entries) entries.set(dir, new Map(map));
  const data = new Map(base.data);
  const modes = new Map<InodeId, number>();
  const dirEntries = (dir: InodeId) => {
    let map = entries.get(dir);
    if (map === undefined) {
      map = new Map();
      entries.set(dir, map);
    }
    return map;
  };
  for (let i = 0; i < choice.point; i++) {
    if (!choice.applied.has(i)) continue;
    const op = ops[i] as ModelOp;
    switch (op.t) {
      case "set":
        dirEntries(op.dir).set(op.name, op.ino);
        break;
      case "del":
        dirEntries(op.dir).delete(op.name);
        break;
      case "move": {
        const map = dirEntries(op.dir);
        map.delete(op.from);
        map.set(op.to, op.ino);
        break;
      }
      case "write": {
        const keep = choice.torn.get(i) ?? op.data.byteLength;
        const old = data.get(op.ino) ?? new Uint8Array(0);
        const next = new Uint8Array(Math.max(old.byteLength, op.pos + keep));
        next.set(old);
        next.set(op.data.subarray(0, keep), op.pos);
        data.set(op.ino, next);
        break;
      }
      case "trunc": {
        const old = data.get(op.ino) ?? new Uint8Array(0);
        const next = new Uint8Array(op.size);
        next.set(old.subarray(0, Math.min(op.size, old.byteLength)));
        data.set(op.ino, next);
        break;
      }
      case "mode":
        modes.set(op.ino, op.mode);
        break;
      case "fsync":
        break;
    }
  }
  const files = new Map<string, Uint8Array>();
  const dirs: string[] = [];
  const links: [string, string][] = [];
  const symlinks: [string, string][] = [];
  const pathModes = new Map<string, number>();
  const firstPath = new Map<InodeId, string>();
  const visited = new Set<InodeId>();
  const keyParts: string[] = [];
  const walk = (dir: InodeId, path: string) => {
    if (visited.has(dir)) return;
    visited.add(dir);
    const map = entries.get(dir);
    if (map === undefined) return;
    for (const name of [...map.keys()].sort()) {
      const ino = map.get(name) as InodeId;
      const info = base.infos.get(ino);
      if (info === undefined) continue;
      const child = path === "/" ? `/${name}` : `${path}/${name}`;
      const mode = modes.get(ino) ?? info.mode;
      if (info.kind === "dir") {
        dirs.push(child);
        pathModes.set(child, mode);
        keyParts.push(`d ${child} ${mode}`);
        walk(ino, child);
      } else if (info.kind === "symlink") {
        symlinks.push([info.link ?? "", child]);
        keyParts.push(`l ${child} ${info.link ?? ""}`);
      } else {
        const existing = firstPath.get(ino);
        if (existing !== undefined) {
          links.push([existing, child]);
          keyParts.push(`h ${child} ${existing}`);
        } else {
          const bytes = data.get(ino) ?? new Uint8Array(0);
          firstPath.set(ino, child);
          files.set(child, bytes);
          pathModes.set(child, mode);
          const digest = createHash("sha1").update(bytes).digest("hex");
          keyParts.push(`f ${child} ${mode} ${bytes.byteLength} ${digest}`);
        }
      }
    }
  };
  walk(base.root, "/");
  return { files, dirs, links, symlinks, modes: pathModes, key: keyParts.join("\n") };
}

/** Builds a fresh {@link MemoryFs} holding a materialized state. */
export function toMemoryFs(state: Materialized): MemoryFs {
  const fs = createMemoryFs();
  const vol = fs.vol;
  for (const dir of state.dirs) vol.mkdirSync(dir, { recursive: true });
  for (const [path, bytes] of state.files) vol.writeFileSync(path, bytes);
  for (const [existing, path] of state.links) vol.linkSync(existing, path);
  for (const [target, path] of state.symlinks) vol.symlinkSync(target, path);
  for (const [path, mode] of state.modes) vol.chmodSync(path, mode & 0o7777);
  return fs;
}
