import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { concatChunks } from "@snapwrite/testkit";
import { expect } from "vitest";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Concatenated chunks as text (fails on ill-formed UTF-8). */
export function text(chunks: Iterable<Uint8Array>): string {
  return utf8.decode(concatChunks(chunks));
}

export function bytes(value: string): Uint8Array {
  return encoder.encode(value);
}

/** Runs `fn` and returns the PersistenceError it throws. */
export function thrown(fn: () => unknown): PersistenceError {
  try {
    fn();
  } catch (error) {
    expect(isPersistenceError(error), String(error)).toBe(true);
    return error as PersistenceError;
  }
  throw new Error("expected a PersistenceError");
}
