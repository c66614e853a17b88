import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { amuleCanceledMetCodec } from "../canceled/amule-canceled-met-codec.js";
import { emuleCancelledMetCodec } from "../cancelled/emule-cancelled-met-codec.js";
import { decodeKnownMet } from "../known-met/decode-known-met.js";
import { known2MetCodec } from "../known2/known2-met-codec.js";

/** The four file formats the CLI understands. */
export type MetFormat = "known.met" | "cancelled.met" | "canceled.met" | "known2_64.met";

/** Every {@link MetFormat}, for usage messages and option parsing. */
export const MET_FORMATS: readonly MetFormat[] = [
  "known.met",
  "cancelled.met",
  "canceled.met",
  "known2_64.met",
];

/** Outcome of {@link detectMetFormat}: the format, and the decoded value or the decoding error. */
export type MetDetection =
  | { readonly format: MetFormat; readonly value: unknown; readonly error?: undefined }
  | { readonly format: MetFormat; readonly value?: undefined; readonly error: PersistenceError };

function attempt(format: MetFormat, bytes: Uint8Array): MetDetection {
  try {
    switch (format) {
      case "known.met":
        return { format, value: decodeKnownMet(bytes) };
      case "cancelled.met":
        return { format, value: emuleCancelledMetCodec.decode(bytes) };
      case "canceled.met":
        return { format, value: amuleCanceledMetCodec.decode(bytes) };
      default:
        return { format, value: known2MetCodec.decode(bytes) };
    }
  } catch (error) {
    if (isPersistenceError(error)) return { format, error };
    throw error;
  }
}

function reach(d: MetDetection): number {
  const offset = d.error?.details?.offset;
  return typeof offset === "number" ? offset : -1;
}

/**
 * Decodes `bytes` as the given format, or detects it from the header: 0x21 → aMule canceled.met;
 * 0x02 → known2_64.met; 0x0E / 0x0F → known.met or eMule cancelled.met (0x0F 0x01 … salted, 0x0E
 * legacy), decided by which one decodes (known.met when both do; when neither does, the one that
 * got further). Returns `undefined` for an unknown first byte.
 */
export function detectMetFormat(bytes: Uint8Array, format?: MetFormat): MetDetection | undefined {
  if (format !== undefined) return attempt(format, bytes);
  switch (bytes[0]) {
    case 0x21:
      return attempt("canceled.met", bytes);
    case 0x02:
      return attempt("known2_64.met", bytes);
    case 0x0e:
    case 0x0f: {
      const known = attempt("known.met", bytes);
      if (known.error === undefined) return known;
      const cancelled = attempt("cancelled.met", bytes);
      if (cancelled.error === undefined) return cancelled;
      return reach(cancelled) > reach(known) ? cancelled : known;
    }
    default:
      return undefined;
  }
}
