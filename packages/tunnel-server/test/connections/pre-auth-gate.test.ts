import { expect } from 'chai';
import net from 'node:net';
import { silentLogger } from '@tunnel/protocol/log';
import { PreAuthGate } from '../../src/connections/pre-auth-gate.js';

/** A listener whose every connection goes through the gate, as the server's does. */
async function gatedListener(gate: PreAuthGate): Promise<{ port: number; accepted: net.Socket[]; close(): void }> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    accepted.push(socket);
    gate.accept(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, accepted, close: () => server.close() };
}

function dial(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return new Promise((resolve) => socket.once('connect', () => resolve({ socket, closed })));
}

const isOpen = (s: net.Socket): boolean => !s.destroyed;

describe('PreAuthGate (real sockets)', () => {
  it('closes connections past the global cap, and takes new ones once one authenticates', async () => {
    const gate = new PreAuthGate({ perSource: 100, global: 2, timeoutMs: 60_000 }, silentLogger());
    const listener = await gatedListener(gate);
    const first = await dial(listener.port);
    const second = await dial(listener.port);
    const third = await dial(listener.port);
    await third.closed;
    expect(gate.size).to.equal(2);
    // The first proves itself: it leaves the count, and a newcomer fits again.
    const [acceptedFirst] = listener.accepted;
    gate.authenticated(acceptedFirst!);
    const fourth = await dial(listener.port);
    expect(gate.size).to.equal(2);
    expect([first, second, fourth].every((c) => isOpen(c.socket))).to.equal(true);
    for (const c of [first, second, fourth]) c.socket.destroy();
    listener.close();
  });

  it('closes a connection that did not authenticate within the deadline, not one that did', async () => {
    const gate = new PreAuthGate({ perSource: 10, global: 10, timeoutMs: 300 }, silentLogger());
    const listener = await gatedListener(gate);
    const idle = await dial(listener.port);
    const proven = await dial(listener.port);
    while (listener.accepted.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    gate.authenticated(listener.accepted[1]!);
    await idle.closed;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(isOpen(proven.socket)).to.equal(true);
    expect(gate.size).to.equal(0);
    proven.socket.destroy();
    listener.close();
  });
});
