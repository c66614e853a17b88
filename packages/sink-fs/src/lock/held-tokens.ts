const HELD_TOKENS = Symbol.for("snapwrite.sink-fs.heldLockTokens");

/**
 * Tokens of the locks and claims held by this thread, shared by every copy of the package in it.
 * Module state and `globalThis` are per thread: other threads of the process are recognised by the
 * thread id in the owner record instead (see `creatorState`).
 */
export function heldTokens(): Set<string> {
  const global = globalThis as unknown as Record<symbol, unknown>;
  let tokens = global[HELD_TOKENS];
  if (!(tokens instanceof Set)) {
    tokens = new Set<string>();
    global[HELD_TOKENS] = tokens;
  }
  return tokens as Set<string>;
}
