import { describeSinkContract } from "../src/contract.js";
import { createKitSink } from "./fixtures/kit-sink.js";

describeSinkContract("a sink built on defineSink", {
  create: () => createKitSink(),
  largePayload: { bytes: 2 * 1024 * 1024 },
});
