// The worker module of the PostgreSQL bench's worker contender: the payload lives in the worker,
// which encodes it and writes it through its own sink-postgres, so the owner thread does none of it.
import { serveReplica } from "@snapwrite/executor-worker";
import { openPostgresSink } from "@snapwrite/sink-postgres";

const MiB = 1024 * 1024;

/** The one patch the owner posts: the whole payload, transferred. */
export interface PayloadPatch {
  readonly payload: Uint8Array;
}

serveReplica<PayloadPatch, { readonly url: string; readonly epoch: number }>({
  name: "payload",
  createReplica() {
    let state: Uint8Array = new Uint8Array(0);
    return {
      apply(patch) {
        state = patch.payload;
      },
      *encode() {
        for (let at = 0; at < state.byteLength; at += MiB) yield state.slice(at, at + MiB);
      },
    };
  },
  // The owner's epoch (drawn once by the owner): a worker started again after a crash must not draw
  // a newer one, or an owner fenced off meanwhile would take the target back.
  createSink: ({ url, epoch }) =>
    openPostgresSink({ connectionString: url, chunkBytes: MiB, epoch }),
});
