import { isPersistenceError, type PersistenceError } from "@snapwrite/core";
import { expect } from "vitest";

/** Runs `fn`, expects an ERR_CORRUPT PersistenceError and returns it. */
export function expectCorrupt(fn: () => unknown, offset: number, reason: string): PersistenceError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isPersistenceError(caught, "ERR_CORRUPT"), String(caught)).toBe(true);
  const error = caught as PersistenceError;
  expect(error.details?.reason).toBe(reason);
  expect(error.details?.offset).toBe(offset);
  return error;
}

/** Bytes from a hex string (spaces allowed). */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
}

/** Upper-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex").toUpperCase();
}
