import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (packages/formats-met/test/support → ../../../..). */
export const REPO_ROOT = path.resolve(here, "../../../..");

/** The shared met directory, cloned next to the repository. */
export const SHARED_MET_DIR = path.resolve(REPO_ROOT, "../shared/met");

/** Directory of the aMule 2.3.3 set1 fixtures. */
export const SET1_DIR = path.join(SHARED_MET_DIR, "fixtures/amule-2.3.3-set1");

/** Reads one set1 fixture file as a plain Uint8Array. */
export function readSet1(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(SET1_DIR, name)));
}
