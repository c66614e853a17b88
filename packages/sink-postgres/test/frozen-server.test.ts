// A server that accepts connections and never answers (a frozen one): opening rejects with ERR_IO
// at stage "open" within the connect timeout, and close() settles even with a read stuck on it,
// and so does every call still queued for a connection.

import * as net from "node:net";
import { isPersistenceError } from "@snapwrite/core";
import { serverForThisFile } from "@snapwrite/testkit/contract";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPostgresSink, openPostgresSink } from "../src/index.js";
import { type FrozenProxy, startFrozenProxy } from "./frozen-proxy.js";
import { rejection } from "./rejection.js";

const server = await serverForThisFile();
const SHORT = { connectTimeoutMs: 200, closeTimeoutMs: 200 } as const;

describe("a server that never answers", () => {
  let proxy: FrozenProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it("openPostgresSink rejects with ERR_IO at stage open", async () => {
    proxy = await startFrozenProxy();
    const error = await rejection(openPostgresSink({ connectionString: proxy.url, ...SHORT }));
    expect(error.code).toBe("ERR_IO");
    expect(error.stage).toBe("open");
    expect(error.message).toMatch(/timeout/);
  });

  it("createPostgresSink's close settles while its open is still pending", async () => {
    proxy = await startFrozenProxy();
    const sink = createPostgresSink({ connectionString: proxy.url, ...SHORT });
    await sink.close();
    expect((await rejection(sink.ready)).code).toBe("ERR_IO");
    expect((await rejection(sink.write("t", [new Uint8Array(1)]))).code).toBe("ERR_IO");
  });

  it("refuses a bad connectTimeoutMs or closeTimeoutMs", () => {
    const url = "postgres://postgres@127.0.0.1:1/postgres";
    expect(() => createPostgresSink({ connectionString: url, connectTimeoutMs: 0 })).toThrow(
      RangeError,
    );
    expect(() => createPostgresSink({ connectionString: url, closeTimeoutMs: 1.5 })).toThrow(
      RangeError,
    );
    expect(() =>
      createPostgresSink({ connectionString: url, connectTimeoutMs: "9" as never }),
    ).toThrow(/connectTimeoutMs/);
    expect(() => createPostgresSink({ connectionString: url, openTimeoutMs: 0 })).toThrow(
      /openTimeoutMs/,
    );
  });
});

if (server !== undefined) {
  describe("a server that freezes after the sink opened", () => {
    let proxy: FrozenProxy | undefined;
    afterEach(async () => {
      await proxy?.close();
      proxy = undefined;
    });

    it("close() destroys the connection a read waits on and says so", async () => {
      proxy = await startFrozenProxy(server.port);
      const sink = await openPostgresSink({ connectionString: proxy.url, ...SHORT });
      await sink.write("t", [new Uint8Array(10).fill(3)]);
      proxy.freeze();
      const read = sink.read("t");
      read.catch(() => undefined);
      // The read's query is on its way to the frozen server: its connection is checked out.
      const deadline = Date.now() + 5_000;
      while (proxy.swallowed() === 0) {
        if (Date.now() > deadline) throw new Error("the read never sent its query");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const error = await rejection(sink.close());
      expect(error.code).toBe("ERR_TIMEOUT");
      expect(error.details).toEqual({ destroyed: 1, ended: true });
      expect(isPersistenceError(await read.catch((reason: unknown) => reason), "ERR_IO")).toBe(
        true,
      );
    });

    it("an open whose server stops answering after the handshake fails ERR_TIMEOUT within openTimeoutMs", async () => {
      proxy = await startFrozenProxy(server.port, { freezeAfterHandshake: true });
      const error = await rejection(
        openPostgresSink({ connectionString: proxy.url, ...SHORT, openTimeoutMs: 300 }),
      );
      expect(error.code).toBe("ERR_TIMEOUT");
      expect(error.stage).toBe("open");
      expect(error.details).toMatchObject({ openTimeoutMs: 300, destroyed: 1 });
      // The lazy form's close waits for that open and settles with it (a new proxy: this one
      // stays frozen for new connections, which the connect timeout would end first).
      await proxy.close();
      proxy = await startFrozenProxy(server.port, { freezeAfterHandshake: true });
      const lazy = createPostgresSink({
        connectionString: proxy.url,
        ...SHORT,
        openTimeoutMs: 300,
      });
      await lazy.close();
      expect((await rejection(lazy.ready)).code).toBe("ERR_TIMEOUT");
    });

    it("a close with idle connections only leaves no socket open, so the process can exit", async () => {
      proxy = await startFrozenProxy(server.port);
      const sockets = socketsTo(proxy.port);
      try {
        const sink = await openPostgresSink({ connectionString: proxy.url, ...SHORT });
        await Promise.all([0, 1, 2].map(() => sink.read("t").catch(() => undefined)));
        const connected = sockets.open();
        expect(connected).toBeGreaterThan(0);
        proxy.freeze();
        // The goodbye of every idle connection goes unanswered: pg-pool ends, their sockets do not.
        const error = await rejection(sink.close());
        expect(error.code).toBe("ERR_TIMEOUT");
        expect(error.details).toEqual({ destroyed: connected, ended: true });
        const deadline = Date.now() + 5_000;
        while (sockets.open() > 0) {
          if (Date.now() > deadline) throw new Error("a socket of the closed sink is still open");
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        sockets.stop();
      }
    });

    it("at close's deadline every call settles: on a destroyed connection ERR_IO, still queued for one ERR_CLOSED", async () => {
      proxy = await startFrozenProxy(server.port);
      const sink = await openPostgresSink({ connectionString: proxy.url, ...SHORT, max: 1 });
      await sink.write("t", [new Uint8Array(10).fill(5)]);
      proxy.freeze();
      const reads = [0, 1, 2].map(() => sink.read("t"));
      for (const read of reads) read.catch(() => undefined);
      await waitUntil(() => proxy?.swallowed() !== 0, "the first read never sent its query");
      const error = await rejection(sink.close());
      expect(error.code).toBe("ERR_TIMEOUT");
      expect(error.details).toEqual({ destroyed: 1, ended: true });
      expect(await Promise.all(reads.map((read) => outcomeWithin(read, 5_000)))).toEqual([
        "ERR_IO",
        "ERR_CLOSED",
        "ERR_CLOSED",
      ]);
    });

    it("a close lets the reads queued for a connection finish when the server answers", async () => {
      proxy = await startFrozenProxy(server.port);
      const sink = await openPostgresSink({ connectionString: proxy.url, ...SHORT, max: 1 });
      await sink.write("q", [new Uint8Array(10).fill(6)]);
      const reads = [0, 1, 2].map(() => sink.read("q"));
      await sink.close();
      expect(await Promise.all(reads.map((read) => outcomeWithin(read, 5_000)))).toEqual([
        "read 10 bytes",
        "read 10 bytes",
        "read 10 bytes",
      ]);
    });

    it("a close with nothing stuck resolves", async () => {
      proxy = await startFrozenProxy(server.port);
      const sink = await openPostgresSink({ connectionString: proxy.url, ...SHORT });
      await sink.write("t", [new Uint8Array(10).fill(4)]);
      await expect(sink.close()).resolves.toBeUndefined();
    });
  });
}

async function waitUntil(done: () => boolean, failure: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** How `read` settled within `ms` (its error code, or the bytes read), or `"pending"`. */
async function outcomeWithin(read: Promise<Uint8Array>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("pending"), ms);
  });
  const settled = read.then(
    (bytes) => `read ${bytes.byteLength} bytes`,
    (error: unknown) => String((error as { code?: unknown }).code),
  );
  try {
    return await Promise.race([settled, pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** Follows the sockets this process connects to `port` from now on (those of `pg`). */
function socketsTo(port: number): { open(): number; stop(): void } {
  const sockets: net.Socket[] = [];
  const connect = net.Socket.prototype.connect;
  const spy = vi.spyOn(net.Socket.prototype, "connect").mockImplementation(function (
    this: net.Socket,
    ...args: unknown[]
  ) {
    // net.connect passes [options, callback] in one array; pg passes (port, host).
    const first: unknown = Array.isArray(args[0]) ? args[0][0] : args[0];
    const to =
      typeof first === "object" && first !== null ? (first as { port?: unknown }).port : first;
    if (Number(to) === port) sockets.push(this);
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  });
  return {
    open: () => sockets.filter((socket) => !socket.closed).length,
    stop: () => spy.mockRestore(),
  };
}
