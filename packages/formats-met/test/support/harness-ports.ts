import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Ports for one run of amule-harness.sh. The harness takes four ports from its base: TCP `base`,
 * UDP `base + 1`, the EC port `base + 2` and UPnP's `base + 3`. Left alone it derives the base from
 * its shell's PID, anywhere up to 55,996, well inside Linux's ephemeral range (32768–60999). There
 * the EC port is sometimes the local port of another test's client connection (PostgreSQL's, for
 * one): amuled then logs "Could not listen for external connections", runs on without EC, and the
 * harness gives up after a minute with "EC did not come up". So the tests choose the base: below
 * the ephemeral range, with every one of the four ports free when checked.
 */

/** First port of the window bases are drawn from. */
export const PORT_WINDOW_LOW = 20_000;
/** Offsets from the base: TCP, UDP, EC (TCP), UPnP (TCP). */
const OFFSETS = [
  { offset: 0, udp: false },
  { offset: 1, udp: true },
  { offset: 2, udp: false },
  { offset: 3, udp: false },
] as const;
const MAX_CANDIDATES = 64;

/** Lowest ephemeral port of this machine (Linux), or 32768 where it cannot be read. */
export function ephemeralLow(readRange: () => string = defaultReadRange): number {
  try {
    const low = Number(readRange().trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function defaultReadRange(): string {
  return readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8");
}

/** True when a listener can be bound to 127.0.0.1:`port` now. */
export function tcpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: "127.0.0.1", exclusive: true }, () => {
      socket.close(() => resolve(true));
    });
  });
}

/** True when all four ports of `base` can be bound on the loopback address now. */
export async function basePortsFree(base: number): Promise<boolean> {
  for (const { offset, udp } of OFFSETS) {
    if (!(await (udp ? udpFree(base + offset) : tcpPortFree(base + offset)))) return false;
  }
  return true;
}

export interface PickOptions {
  /** Uniform draw in [0, 1); injectable so a test can propose an occupied base first. */
  readonly random?: () => number;
  /** Ports from here on are ephemeral and never used; defaults to the machine's range. */
  readonly ephemeralLow?: number;
}

/**
 * A port base for the harness, aligned to 4, whose four ports lie below the ephemeral range and
 * were all free when checked. Throws after 64 occupied candidates.
 */
export async function pickHarnessPortBase(options: PickOptions = {}): Promise<number> {
  const random = options.random ?? Math.random;
  const high = Math.min(options.ephemeralLow ?? ephemeralLow(), 32_768);
  const slots = Math.floor((high - PORT_WINDOW_LOW) / 4);
  if (slots < 1) {
    throw new Error(`no room for harness ports between ${PORT_WINDOW_LOW} and ${high}`);
  }
  const tried: number[] = [];
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const base = PORT_WINDOW_LOW + 4 * Math.min(slots - 1, Math.floor(random() * slots));
    if (await basePortsFree(base)) return base;
    tried.push(base);
  }
  throw new Error(`no free harness port base in ${MAX_CANDIDATES} tries: ${tried.join(", ")}`);
}
