import type { TransferListItem } from "node:worker_threads";
import type { PatchSegment } from "./worker-protocol.js";

/** Bytes of a frame header: the tag (u8) and the payload length (u32, little-endian). */
export const FRAME_HEADER_BYTES = 5;

/**
 * Smallest buffer allocated for binary frames. Buffers start at the size the previous message
 * needed and double when full: allocating and transferring a buffer costs more the bigger it is
 * (tens of µs at 64 KiB), so a message should carry little more than its frames.
 */
const MIN_FRAME_BUFFER = 1024;

/** What {@link PatchBatch.take} hands to `postMessage`. Internal. */
export interface TakenBatch {
  readonly segments: PatchSegment[];
  readonly transfer: TransferListItem[];
  /** Patches in it. */
  readonly count: number;
}

/**
 * The owner-side queue of patches not posted yet, in call order. Object patches are kept as they
 * are (structured-cloned when posted); binary patches are copied as frames into one growing
 * `ArrayBuffer` that is transferred, so posting a thousand of them costs one message and no clone.
 * Internal.
 */
export class PatchBatch {
  private segments: PatchSegment[] = [];
  private objects: unknown[] = [];
  private transfer: TransferListItem[] = [];
  private frames: Uint8Array | undefined = undefined;
  private frameLength = 0;
  private nextCapacity = MIN_FRAME_BUFFER;
  private count = 0;
  /** Bytes of binary frames waiting. */
  pendingBytes = 0;

  /** Number of patches waiting. */
  get size(): number {
    return this.count;
  }

  /** True when an object patch waits (those go at the end of the turn). */
  get hasObjects(): boolean {
    return this.objects.length > 0;
  }

  addObject(patch: unknown, transfer: readonly TransferListItem[] | undefined): void {
    this.closeFrames();
    this.objects.push(patch);
    if (transfer !== undefined) for (const item of transfer) this.transfer.push(item);
    this.count++;
  }

  addBytes(tag: number, bytes: Uint8Array): void {
    if (this.objects.length > 0) {
      this.segments.push({ kind: "objects", patches: this.objects });
      this.objects = [];
    }
    const needed = FRAME_HEADER_BYTES + bytes.byteLength;
    let frames = this.frames;
    if (frames === undefined) {
      frames = new Uint8Array(Math.max(this.nextCapacity, needed));
      this.frames = frames;
    } else if (frames.byteLength - this.frameLength < needed) {
      const grown = new Uint8Array(Math.max(frames.byteLength * 2, this.frameLength + needed));
      grown.set(frames.subarray(0, this.frameLength));
      frames = grown;
      this.frames = frames;
    }
    let at = this.frameLength;
    const length = bytes.byteLength;
    frames[at] = tag;
    frames[at + 1] = length & 0xff;
    frames[at + 2] = (length >>> 8) & 0xff;
    frames[at + 3] = (length >>> 16) & 0xff;
    frames[at + 4] = (length >>> 24) & 0xff;
    at += FRAME_HEADER_BYTES;
    frames.set(bytes, at);
    this.frameLength = at + length;
    this.pendingBytes += needed;
    this.count++;
  }

  /** Everything waiting, in order, ready to post; `undefined` when nothing waits. */
  take(): TakenBatch | undefined {
    if (this.count === 0) return undefined;
    this.closeFrames();
    if (this.objects.length > 0) {
      this.segments.push({ kind: "objects", patches: this.objects });
      this.objects = [];
    }
    const taken = { segments: this.segments, transfer: this.transfer, count: this.count };
    this.segments = [];
    this.transfer = [];
    this.count = 0;
    this.pendingBytes = 0;
    return taken;
  }

  /** Drops everything waiting; returns how many patches that was. */
  clear(): number {
    const dropped = this.count;
    this.segments = [];
    this.objects = [];
    this.transfer = [];
    this.frames = undefined;
    this.frameLength = 0;
    this.count = 0;
    this.pendingBytes = 0;
    return dropped;
  }

  private closeFrames(): void {
    const frames = this.frames;
    if (frames === undefined || this.frameLength === 0) return;
    this.segments.push({
      kind: "bytes",
      buffer: frames.buffer as ArrayBuffer,
      length: this.frameLength,
    });
    this.transfer.push(frames.buffer as ArrayBuffer);
    this.frames = undefined;
    this.frameLength = 0;
  }
}

/**
 * Calls `apply(tag, payload)` for every frame of a binary segment, in order. The payloads are views
 * into the segment's buffer. Throws a `TypeError` for a truncated frame. Internal.
 */
export function forEachFrame(
  buffer: ArrayBuffer,
  length: number,
  apply: (tag: number, payload: Uint8Array) => void,
): void {
  const bytes = new Uint8Array(buffer, 0, length);
  let at = 0;
  while (at < length) {
    if (length - at < FRAME_HEADER_BYTES) throw new TypeError("truncated patch frame header");
    const tag = bytes[at] as number;
    const size =
      ((bytes[at + 1] as number) |
        ((bytes[at + 2] as number) << 8) |
        ((bytes[at + 3] as number) << 16) |
        ((bytes[at + 4] as number) << 24)) >>>
      0;
    at += FRAME_HEADER_BYTES;
    if (length - at < size) throw new TypeError("truncated patch frame");
    apply(tag, new Uint8Array(buffer, at, size));
    at += size;
  }
}
