import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  basePortsFree,
  ephemeralLow,
  PORT_WINDOW_LOW,
  pickHarnessPortBase,
  tcpPortFree,
} from "./support/harness-ports.js";

// The aMule interop tests choose the harness's ports with these helpers; a wrong answer here is a
// daemon started without its EC port, which the interop test reports only after a minute.

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      closers.push(() => new Promise((done) => server.close(() => done())));
      resolve(server);
    });
  });
}

function boundUdp(port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(port, "127.0.0.1", () => {
      closers.push(() => new Promise((done) => socket.close(() => done())));
      resolve(socket);
    });
  });
}

/** A client connection on a port the kernel chose, as a driver's connection to a server has. */
async function client(): Promise<Socket> {
  const server = await listen(0);
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return new Promise((resolve, reject) => {
    const socket = connect({ port: address.port, host: "127.0.0.1" });
    socket.once("error", reject);
    socket.once("connect", () => {
      closers.push(async () => {
        socket.destroy();
      });
      resolve(socket);
    });
  });
}

/** `count` different bases, each free when picked (other tests on this machine use ports too). */
async function freeBases(count: number): Promise<number[]> {
  const bases: number[] = [];
  for (let i = 0; i < 32 && bases.length < count; i++) {
    const base = await pickHarnessPortBase({ ephemeralLow: 32_768 });
    if (!bases.includes(base)) bases.push(base);
  }
  if (bases.length < count) throw new Error(`found only ${bases.length} free bases`);
  return bases;
}

/** A `random` that proposes `bases` (as slots from PORT_WINDOW_LOW) in order, then the last. */
function proposing(...bases: number[]): () => number {
  const slots = Math.floor((32_768 - PORT_WINDOW_LOW) / 4);
  let i = 0;
  return () => {
    const base = bases[Math.min(i++, bases.length - 1)] as number;
    return ((base - PORT_WINDOW_LOW) / 4 + 0.5) / slots;
  };
}

describe("harness port choice", () => {
  it("sees the local port of a client connection as taken, as amuled's EC bind does", async () => {
    // In CI the EC port was once the local port of another test's connection: amuled could not
    // listen there and ran on without EC. A port in the ephemeral range, checked directly.
    const socket = await client();
    expect(socket.localPort).toBeGreaterThan(0);
    expect(await tcpPortFree(socket.localPort as number)).toBe(false);
    expect(await basePortsFree((socket.localPort as number) - 2)).toBe(false);
  });

  it("passes over a base whose EC port is taken", async () => {
    const [taken = 0, free = 0] = await freeBases(2);
    expect(await basePortsFree(taken)).toBe(true);
    await listen(taken + 2);
    expect(await basePortsFree(taken)).toBe(false);
    const base = await pickHarnessPortBase({
      random: proposing(taken, free),
      ephemeralLow: 32_768,
    });
    expect(base).toBe(free);
  });

  it("checks the UDP port and the TCP ports around it", async () => {
    const [udpTaken = 0, upnpTaken = 0, free = 0] = await freeBases(3);
    await boundUdp(udpTaken + 1);
    await listen(upnpTaken + 3);
    const base = await pickHarnessPortBase({
      random: proposing(udpTaken, upnpTaken, free),
      ephemeralLow: 32_768,
    });
    expect(base).toBe(free);
  });

  it("stays below the ephemeral range, aligned to 4", async () => {
    const draws = [0, 0.25, 0.5, 0.999_999];
    for (const draw of draws) {
      const base = await pickHarnessPortBase({ random: () => draw, ephemeralLow: 28_000 });
      expect(base % 4).toBe(0);
      expect(base).toBeGreaterThanOrEqual(PORT_WINDOW_LOW);
      expect(base + 3).toBeLessThan(28_000);
    }
  });

  it("refuses a range with no room and names the ports it tried when all are taken", async () => {
    await expect(pickHarnessPortBase({ ephemeralLow: PORT_WINDOW_LOW + 3 })).rejects.toThrow(
      /no room for harness ports/,
    );
    const [taken = 0] = await freeBases(1);
    await listen(taken + 2);
    await expect(
      pickHarnessPortBase({ random: proposing(taken), ephemeralLow: 32_768 }),
    ).rejects.toThrow(new RegExp(`no free harness port base in 64 tries: ${taken}, ${taken}, `));
  });

  it("reads the machine's ephemeral range and falls back to 32768", () => {
    expect(ephemeralLow(() => "40000\t60999\n")).toBe(40_000);
    expect(ephemeralLow(() => "garbage")).toBe(32_768);
    expect(
      ephemeralLow(() => {
        throw new Error("ENOENT");
      }),
    ).toBe(32_768);
  });
});
