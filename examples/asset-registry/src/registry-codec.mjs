// The registry's snapshot codec, shared by the owner (src/main.mjs) and its replica worker
// (src/registry-replica.mjs): the worker's snapshots must be the very bytes the owner's codec writes.
import { createJsonCodec } from "@snapwrite/formats-json";
import { createKeyedCollectionsCodec } from "@snapwrite/store";

// Snapshots: every collection as `[key, value]` pairs in key order, in a versioned JSON envelope.
export const snapshotCodec = createKeyedCollectionsCodec({
  json: createJsonCodec({ version: 1 }),
  name: "asset-registry",
});
