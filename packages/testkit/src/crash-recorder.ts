import { posix } from "node:path";
import type { InodeId, InodeInfo, ModelBase, ModelOp } from "./crash-model.js";
import type { CrashTraceEntry } from "./crashable-fs-types.js";
import type { MemoryFs } from "./memory-fs.js";

/**
 * The model side of a crashable file system: the durable starting state scanned from the live
 * memfs, the inode ids the model knows the live inodes by, and the operations issued since.
 * Internal.
 */
export class CrashRecorder {
  readonly ops: ModelOp[] = [];
  readonly trace: CrashTraceEntry[] = [];
  readonly base: ModelBase;
  private readonly idOfIno = new Map<number, InodeId>();
  private readonly infos = new Map<InodeId, InodeInfo>();
  private readonly data = new Map<InodeId, Uint8Array>();
  private readonly entries = new Map<InodeId, Map<string, InodeId>>();
  private nextId = 1;

  constructor(readonly live: MemoryFs) {
    const root = this.scan("/");
    this.base = { root, infos: this.infos, data: this.data, entries: this.entries };
  }

  /** Gives the live inode `ino` a model id. */
  adopt(ino: number, info: InodeInfo): InodeId {
    const id = this.nextId++;
    this.idOfIno.set(ino, id);
    this.infos.set(id, info);
    return id;
  }

  /** Adopts a new, empty directory. */
  adoptDir(ino: number, mode: number): InodeId {
    const id = this.adopt(ino, { kind: "dir", mode });
    this.entries.set(id, new Map());
    return id;
  }

  /** The model id of live inode `ino`, if it is tracked. */
  known(ino: number): InodeId | undefined {
    return this.idOfIno.get(ino);
  }

  record(op: ModelOp, entry: Omit<CrashTraceEntry, "seq">): void {
    this.ops.push(op);
    this.trace.push({ ...entry, seq: this.trace.length + 1 });
  }

  async idOf(path: string): Promise<InodeId> {
    const stats = await this.live.lstat(path);
    const id = this.idOfIno.get(stats.ino);
    if (id === undefined) throw new Error(`crashable fs: untracked inode at ${path}`);
    return id;
  }

  /** The parent directory's id and the entry name of `path`. */
  async split(path: string): Promise<{ dir: InodeId; name: string }> {
    const normalized = posix.resolve("/", path);
    return {
      dir: await this.idOf(posix.dirname(normalized)),
      name: posix.basename(normalized),
    };
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.live.lstat(path);
      return true;
    } catch {
      return false;
    }
  }

  private scan(path: string): InodeId {
    const vol = this.live.vol;
    const stats = vol.lstatSync(path);
    if (stats.isDirectory()) {
      const id = this.adopt(Number(stats.ino), { kind: "dir", mode: Number(stats.mode) });
      const map = new Map<string, InodeId>();
      this.entries.set(id, map);
      for (const name of vol.readdirSync(path) as string[]) {
        map.set(name, this.scan(posix.join(path, name)));
      }
      return id;
    }
    const known = this.idOfIno.get(Number(stats.ino));
    if (known !== undefined) return known;
    if (stats.isSymbolicLink()) {
      return this.adopt(Number(stats.ino), {
        kind: "symlink",
        mode: Number(stats.mode),
        link: String(vol.readlinkSync(path)),
      });
    }
    const id = this.adopt(Number(stats.ino), { kind: "file", mode: Number(stats.mode) });
    this.data.set(id, new Uint8Array(vol.readFileSync(path) as Buffer));
    return id;
  }
}
