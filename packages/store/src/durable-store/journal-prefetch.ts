import { join } from "node:path";
import type { FsPort } from "@snapwrite/core";
import { listSegments, parseSegmentFileName } from "@snapwrite/journal";
import { readRegularFile } from "@snapwrite/sink-fs";

/** A segment read ahead: its bytes, or `undefined` when the read failed (the journal reads again). */
type Ahead = Promise<Uint8Array | undefined>;

/**
 * The journal segments a warm load will replay, read while the snapshot loads: the reads run in
 * the thread pool during the snapshot's decode on the main thread, so the replay finds its first
 * segments in memory instead of waiting for them after the decode.
 *
 * Only segments holding records after the newest snapshot's seq are read (those the replay reads
 * unless it falls back to an older snapshot), in chain order, while their sizes add up to at most
 * `budget` bytes. The journal gets them through {@link JournalPrefetch.fs}: its `readFile` of a
 * read-ahead segment hands over those bytes once, after checking that the file still has their
 * size (segments only grow, so a file another process appended to since is read again); anything
 * else goes to the real `fs`. A read-ahead opens the file without blocking and reads it only when
 * it is a regular file (sink-fs `readRegularFile`); a failed or refused one is forgotten and the
 * journal reads the file itself, so its errors stay the journal's.
 */
export class JournalPrefetch {
  readonly #fs: FsPort;
  readonly #ahead = new Map<string, Ahead>();
  /** Resolves once the segments to read are known and their reads started. */
  readonly started: Promise<void>;

  constructor(
    fs: FsPort,
    dir: string,
    name: string,
    newestSnapshot: Promise<number>,
    budget: number,
  ) {
    this.#fs = fs;
    this.started = this.#start(dir, name, newestSnapshot, budget).catch(() => undefined);
  }

  /** `fs` with the read-ahead segments' `readFile` served from memory (each once). */
  get fs(): FsPort {
    const ahead = this.#ahead;
    const fs = this.#fs;
    const started = this.started;
    // A blank target: the wrapped object may be a frozen module namespace or another proxy.
    return new Proxy({} as FsPort, {
      get(_blank, property) {
        if (property !== "readFile") {
          const value = Reflect.get(fs, property, fs);
          return typeof value === "function" ? value.bind(fs) : value;
        }
        return async (path: string): Promise<Uint8Array> => {
          await started;
          const read = ahead.get(path);
          if (read === undefined) return fs.readFile(path);
          ahead.delete(path);
          const bytes = await read;
          if (bytes === undefined || !(await sameSize(fs, path, bytes.byteLength))) {
            return fs.readFile(path);
          }
          return bytes;
        };
      },
      has: (_blank, property) => Reflect.has(fs, property),
    });
  }

  /** Drops the segments nobody asked for. */
  discard(): void {
    this.#ahead.clear();
  }

  async #start(dir: string, name: string, newestSnapshot: Promise<number>, budget: number) {
    const [files, snapshotSeq] = await Promise.all([
      listSegments(this.#fs, dir, name),
      newestSnapshot,
    ]);
    const needed = files.filter((_file, i) => {
      const next = files[i + 1];
      const nextFirst = next === undefined ? undefined : parseSegmentFileName(name, next)?.firstSeq;
      return nextFirst === undefined || nextFirst > snapshotSeq + 1;
    });
    let left = budget;
    for (const file of needed) {
      const path = join(dir, file);
      const size = (await this.#fs.stat(path)).size;
      if (size > left) break;
      left -= size;
      // Never `readFile`: a FIFO at a segment's name would block a thread-pool thread for good,
      // a device (a link to /dev/zero) would be read without end.
      this.#ahead.set(
        path,
        readRegularFile(this.#fs, path, { target: file }).catch(() => undefined),
      );
    }
  }
}

async function sameSize(fs: FsPort, path: string, size: number): Promise<boolean> {
  try {
    return (await fs.stat(path)).size === size;
  } catch {
    return false;
  }
}
