// A TCP proxy in front of a server that can freeze: once frozen it keeps every socket open and
// passes nothing on in either direction, like a server whose processes are all stopped (SIGSTOP).
// Without an upstream it never answers at all.
import * as net from "node:net";

export interface FrozenProxy {
  readonly url: string;
  readonly port: number;
  /** From now on nothing is passed on; new connections are accepted and never answered. */
  freeze(): void;
  /** Bytes clients sent since the freeze (that nobody will answer). */
  readonly swallowed: () => number;
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}

/** The server's ReadyForQuery message: it ends the handshake of a connection. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5]);

/**
 * `freezeAfterHandshake`: the proxy freezes by itself once the server's first ReadyForQuery has
 * been passed on, so a client connects and then waits forever for its first statement.
 */
export async function startFrozenProxy(
  upstreamPort?: number,
  options: { freezeAfterHandshake?: boolean } = {},
): Promise<FrozenProxy> {
  let frozen = upstreamPort === undefined;
  let swallowed = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  };
  // Half-open allowed: a frozen server never answers a client's FIN with its own, so the client's
  // socket stays open after it ended its side; unfrozen, the proxy ends its side as usual.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    client.on("end", () => {
      if (!frozen) client.end();
    });
    client.on("data", (data) => {
      if (frozen) swallowed += data.byteLength;
    });
    if (frozen || upstreamPort === undefined) return;
    const upstream = net.connect(upstreamPort, "127.0.0.1");
    track(upstream);
    client.on("data", (data) => {
      if (!frozen) upstream.write(data);
    });
    upstream.on("data", (data) => {
      if (frozen) return;
      client.write(data);
      if (options.freezeAfterHandshake && data.includes(READY_FOR_QUERY)) frozen = true;
    });
    const closeBoth = (): void => {
      if (frozen) return;
      client.destroy();
      upstream.destroy();
    };
    client.on("close", closeBoth);
    upstream.on("close", closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    freeze: () => {
      frozen = true;
    },
    swallowed: () => swallowed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
