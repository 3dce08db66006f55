import { expect } from 'chai';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { startHaproxy, type Balancer } from './support/haproxy.js';
import { idleConnection } from './support/network.js';
import { eventually, serverCaPem, startServer, type ServerHandle } from './support/fixtures.js';
import { cleanup } from './support/processes.js';

/** GET /metrics with a wrong token from a chosen loopback address, as a client behind the balancer would. */
function wrongTokenFrom(localAddress: string, port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/metrics', localAddress, ca, servername: 'localhost', headers: { authorization: 'Bearer not-a-token' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

describe('behind a load balancer: PROXY protocol from HAProxy with the shipped config (real processes)', function () {
  this.timeout(120_000);
  let node: ServerHandle;
  let balancer: Balancer;
  let ca: string;

  before(async () => {
    node = await startServer({ args: ['--proxy-protocol', 'any', '--proxy-protocol-from', '127.0.0.1', '--preauth-per-source', '2'] });
    ca = serverCaPem(node);
    balancer = await startHaproxy([node.port]);
    // HAProxy's health check (PROXY header, TLS, GET /readyz) must find the node up before it forwards.
    await eventually(async () => ((await wrongTokenFrom('127.0.0.1', balancer.port, ca).catch(() => 0)) === 401 ? true : undefined), 30_000, 'the balancer forwarding to the node');
  });
  after(cleanup);

  it("logs and limits by the client's address, not the balancer's", async () => {
    const from = node.proc.logs.length;
    expect(await wrongTokenFrom('127.0.0.2', balancer.port, ca)).to.equal(401);
    const failed = await node.proc.waitForLog((l) => l.msg === 'user authentication failed' && l['remoteAddress'] === '127.0.0.2', 30_000, from);
    expect(failed['code']).to.be.a('string');

    // Two unauthenticated connections from 127.0.0.3 fill its pre-authentication allowance on the
    // node; a third from it is refused, while 127.0.0.4 (and the balancer's health checks) go on.
    // The node learns of each connection only after HAProxy's header: keep adding until it refuses.
    const held = [idleConnection(balancer.port, '127.0.0.3'), idleConnection(balancer.port, '127.0.0.3')];
    const refusal = await eventually(() => {
      const seen = node.proc.logs.slice(from).find((l) => l['code'] === 'ERR_PREAUTH_SOURCE_LIMIT');
      if (!seen) held.push(idleConnection(balancer.port, '127.0.0.3'));
      return seen;
    }, 30_000, 'a pre-authentication refusal');
    expect(refusal['remoteAddress']).to.equal('127.0.0.3');
    const other = idleConnection(balancer.port, '127.0.0.4');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(other.socket.destroyed, 'a connection from another client address').to.equal(false);
    const refusedSources = node.proc.logs.slice(from).filter((l) => l['code'] === 'ERR_PREAUTH_SOURCE_LIMIT').map((l) => l['remoteAddress']);
    expect(refusedSources).to.not.include('127.0.0.4');
    for (const c of [...held, other]) c.socket.destroy();
  });

  it('refuses a connection that reaches the node without a PROXY header, with a code', async () => {
    const from = node.proc.logs.length;
    const socket = tls.connect({ host: '127.0.0.1', port: node.port, ca, servername: 'localhost' });
    const outcome = await new Promise<string>((resolve) => {
      socket.once('secureConnect', () => resolve('handshake completed'));
      socket.once('error', (err) => resolve(`error: ${err.message}`));
      socket.once('close', () => resolve('closed'));
    });
    expect(outcome).not.to.equal('handshake completed');
    const refused = await node.proc.waitForLog((l) => l.msg?.includes('PROXY protocol header') === true, 30_000, from);
    expect(refused['code']).to.equal('ERR_PROXY_HEADER_MISSING');
  });

  it('takes a v1 header written by hand, then TLS on the same connection', async () => {
    const from = node.proc.logs.length;
    const raw = net.connect({ host: '127.0.0.1', port: node.port });
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write('PROXY TCP4 198.51.100.9 127.0.0.1 40000 443\r\n');
    const socket = tls.connect({ socket: raw, ca, servername: 'localhost' });
    await new Promise((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-token\r\nConnection: close\r\n\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.once('close', () => resolve(text));
    });
    expect(answer).to.match(/^HTTP\/1\.1 401/);
    await node.proc.waitForLog((l) => l.msg === 'user authentication failed' && l['remoteAddress'] === '198.51.100.9', 30_000, from);
  });

  it('refuses a header from an address that is not a trusted balancer', async () => {
    const from = node.proc.logs.length;
    const raw = net.connect({ host: '127.0.0.1', port: node.port, localAddress: '127.0.0.5' });
    raw.on('error', () => undefined);
    raw.write('PROXY TCP4 198.51.100.9 127.0.0.1 40000 443\r\n');
    await new Promise((resolve) => raw.once('close', resolve));
    const refused = await node.proc.waitForLog((l) => l['code'] === 'ERR_PROXY_SOURCE_UNTRUSTED', 30_000, from);
    expect(refused['balancer']).to.equal('127.0.0.5');
  });
});
