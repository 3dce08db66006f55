import { expect } from 'chai';
import net from 'node:net';
import { ProxyProtocolFront } from '../../src/proxy-protocol/proxy-front.js';
import { capturedLogger } from '../devices/live-device.js';

/** A front over a plain TCP target (no TLS), recording what the target is handed. */
async function front(maxPending: number): Promise<{ port: number; handed: net.Socket[]; lines: Record<string, unknown>[]; accepted(): Promise<number>; close(): void }> {
  const { log, lines } = capturedLogger();
  const handed: net.Socket[] = [];
  const target = net.createServer();
  target.on('connection', (socket: net.Socket) => handed.push(socket));
  const f = new ProxyProtocolFront({ mode: 'any', trustedSources: [] }, target, { headerTimeoutMs: 60_000, maxPending }, log);
  await new Promise<void>((resolve) => f.listener.listen(0, '127.0.0.1', resolve));
  const accepted = (): Promise<number> => new Promise((resolve, reject) => f.listener.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  return { port: (f.listener.address() as net.AddressInfo).port, handed, lines, accepted, close: () => f.listener.close() };
}

function dial(port: number): { socket: net.Socket; closed: Promise<void> } {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

async function until<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PROXY protocol front', () => {
  it('hands the socket on with the client address and the bytes that followed the header', async () => {
    const f = await front(10);
    const c = dial(f.port);
    c.socket.write('PROXY TCP4 198.51.100.9 10.0.0.1 40000 443\r\nhello after the header');
    const handed = await until(() => f.handed[0]);
    expect([handed.remoteAddress, handed.remotePort]).to.deep.equal(['198.51.100.9', 40000]);
    handed.resume();
    let got = '';
    await until(() => {
      const chunk = handed.read() as Buffer | null;
      if (chunk) got += chunk.toString();
      return got === 'hello after the header' ? got : undefined;
    });
    c.socket.destroy();
    f.close();
  });

  it('closes connections past the cap of those still owing a header, logged at most once a second', async () => {
    const f = await front(2);
    const held = [dial(f.port), dial(f.port)];
    await until(async () => ((await f.accepted()) === 2 ? true : undefined));
    const refused = [dial(f.port), dial(f.port)];
    await Promise.all(refused.map((c) => c.closed));
    const warnings = f.lines.filter((l) => l['code'] === 'ERR_PROXY_HEADER_BACKLOG');
    // One line a second at most: two refusals in a row make one line unless a second passed between them.
    expect(warnings.length).to.be.within(1, refused.length);
    expect(warnings[0]).to.include({ balancer: '127.0.0.1', unauthenticated: 2 });
    // A held one that sends its header frees its place.
    held[0]!.socket.write('PROXY UNKNOWN\r\n');
    await until(() => f.handed[0]);
    const later = dial(f.port);
    later.socket.write('PROXY TCP6 2001:db8::9 2001:db8::1 5000 443\r\n');
    expect((await until(() => f.handed[1])).remoteAddress).to.equal('2001:db8::9');
    for (const c of [...held, later]) c.socket.destroy();
    f.close();
  });
});
