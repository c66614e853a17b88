import { basename, dirname, join } from "node:path";
import type { FsSinkRuntime } from "../fs-sink-runtime.js";
import { processIdentity } from "../process-identity.js";
import { MAX_NAME_PART_BYTES } from "../temp-file-name.js";
import { utf8Prefix } from "../utf8-prefix.js";
import { createLockFile } from "./create-lock-file.js";
import { heldTokens } from "./held-tokens.js";
import { lockKey, observe } from "./observe-lock.js";
import { staleReason } from "./owner-liveness.js";
import { encodeOwner, type LockOwner, PROCESS_STARTED_AT } from "./owner-record.js";

/** Claims of one lock tried before a break gives up for this round (all abandoned but one). */
const MAX_CLAIMS = 8;

/** The claim file `n` on the lock `key` at `path`. */
export function claimPath(path: string, key: string, n: number): string {
  return join(dirname(path), claimFileName(basename(path), key, n));
}

/**
 * The name of claim file `n` on the lock `key` of the lock file named `lockName`, which keeps at
 * most 120 bytes of that name (UTF-8), so that it fits a file name whatever characters it has.
 */
export function claimFileName(lockName: string, key: string, n: number): string {
  return `${claimNamePrefix(lockName)}${hashKey(key)}-${n}.brk`;
}

/** What every claim file name on the lock file named `lockName` starts with. */
export function claimNamePrefix(lockName: string): string {
  return `${utf8Prefix(lockName, MAX_NAME_PART_BYTES)}.`;
}

const CLAIM_NAME = /^\.(.+)\.([0-9a-z]{7})-([0-9]+)\.brk$/;

/** True when `fileName` looks like a claim file made by a lock break. */
export function isClaimFileName(fileName: string): boolean {
  return CLAIM_NAME.test(fileName);
}

/**
 * The token of a claim record: says which lock (file name and key) it claims. The name is taken as
 * the file system stores it (UTF-8: a lone surrogate becomes U+FFFD), so encoding it cannot throw.
 */
export function claimToken(path: string, key: string, n: number): string {
  const stored = Buffer.from(basename(path), "utf8").toString("utf8");
  return `claim/${key}/${n}/${encodeURIComponent(stored)}`;
}

function parseClaimToken(token: string): { key: string; lockName: string } | undefined {
  const [kind, key, , lockName] = token.split("/");
  if (kind !== "claim" || key === undefined || lockName === undefined) return undefined;
  try {
    return { key, lockName: decodeURIComponent(lockName) };
  } catch {
    return undefined;
  }
}

/**
 * Takes the first free claim on the lock `key`, passing over abandoned ones; resolves its number,
 * or `undefined` when a live party holds a claim (it is breaking or releasing that lock right now).
 */
export async function claimBreak(
  runtime: FsSinkRuntime,
  path: string,
  key: string,
  staleMs: number,
): Promise<number | undefined> {
  const self = processIdentity();
  for (let n = 0; n < MAX_CLAIMS; n += 1) {
    const claim = claimPath(path, key, n);
    const token = claimToken(path, key, n);
    heldTokens().add(token);
    const now = runtime.clock.now();
    const record: LockOwner = {
      pid: runtime.pid,
      hostname: runtime.hostname,
      processStartedAt: PROCESS_STARTED_AT,
      acquiredAt: now,
      refreshedAt: now,
      token,
      creator: { ...self, pid: runtime.pid },
    };
    let created: boolean;
    try {
      created = await createClaim(runtime, claim, encodeOwner(record));
    } catch (error) {
      heldTokens().delete(token);
      throw error;
    }
    if (created) return n;
    heldTokens().delete(token);
    const other = await observe(runtime, claim);
    // Vanished meanwhile: its holder is done; try the same number again next round.
    if (other === undefined) return undefined;
    if (staleReason(runtime, other, staleMs) === undefined) return undefined;
  }
  return undefined;
}

/**
 * Whether a live claim on the lock `key` at `path` exists: someone is breaking or releasing it
 * right now. Claims whose creator is gone, or older than `staleMs`, are abandoned and do not count.
 */
export async function claimsOn(
  runtime: FsSinkRuntime,
  path: string,
  key: string,
  staleMs: number,
): Promise<boolean> {
  for (let n = 0; n < MAX_CLAIMS; n += 1) {
    const claim = await observe(runtime, claimPath(path, key, n)).catch(
      () => "unreadable" as const,
    );
    // An unreadable claim proves nothing: count it, as a breaker would wait for it.
    if (claim === "unreadable") return true;
    if (claim !== undefined && staleReason(runtime, claim, staleMs) === undefined) return true;
  }
  return false;
}

/**
 * Creates the claim file `path` holding `record`, the way a lock file is created: the record goes
 * into a private temp file that is hard-linked into place, so a claimant killed half-way never
 * leaves an empty claim that would hold every breaker off for {@link UNOWNED_LOCK_GRACE_MS}
 * (without hard links: `O_EXCL` on the claim itself, and such an empty claim is passed over after
 * that grace). Resolves `false` when the claim exists.
 */
async function createClaim(
  runtime: FsSinkRuntime,
  path: string,
  record: Uint8Array,
): Promise<boolean> {
  const created = await createLockFile(runtime, path, record);
  if (created === undefined) return false;
  await created.handle.close().catch(() => undefined);
  return true;
}

/** The 7-character FNV-1a hash of a lock key, for claim names. */
function hashKey(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(7, "0");
}

/**
 * Removes the claim file `path` of a lock break when it is garbage: the lock it claimed no longer
 * holds the claimed lock (a lock's token never comes back). Claims on a lock that still stands are
 * kept even when abandoned, so that no claim number is reused while someone may rely on it. Used by
 * the sweep; resolves with whether it was removed.
 */
export async function removeStaleClaim(runtime: FsSinkRuntime, path: string): Promise<boolean> {
  const claim = await observe(runtime, path);
  const claimed = parseClaimToken(claim?.owner?.token ?? "");
  if (claimed === undefined || basename(claimed.lockName) !== claimed.lockName) return false;
  const lock = await observe(runtime, join(dirname(path), claimed.lockName));
  if (lock !== undefined && lockKey(lock) === claimed.key) return false;
  await runtime.fs.unlink(path).catch(() => undefined);
  return true;
}
