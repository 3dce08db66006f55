import net from 'node:net';

export interface TcpRelay {
  port: number;
  /** Stops forwarding in both directions without closing anything: a silently dead link. */
  freeze(): void;
  /** Freezes the connections open now and keeps forwarding new ones: a path that died while the next one works. */
  freezeOpen(): void;
  close(): Promise<void>;
}

/** A loopback TCP relay to a target port, which a test can freeze like a stuck NAT box. */
export async function startTcpRelay(targetPort: number): Promise<TcpRelay> {
  const pairs: [net.Socket, net.Socket][] = [];
  const held: net.Socket[] = [];
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    pairs.push([client, upstream]);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    if (!frozen) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  });
  const freezeOpen = (): void => {
    for (const [a, b] of pairs.splice(0)) {
      a.unpipe(b);
      b.unpipe(a);
      a.pause();
      b.pause();
      held.push(a, b);
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
      freezeOpen();
    },
    freezeOpen,
    close() {
      for (const socket of [...pairs.flat(), ...held]) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
