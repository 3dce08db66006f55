import { expect } from 'chai';
import { errorCode } from '@tunnel/protocol/errors';
import { dialThroughProxyIfAny } from '../../src/net/dial-through-proxy.js';
import { loopbackServer, type LoopbackServer } from './loopback-server.js';

/**
 * A loopback peer that plays a proxy with canned answers: `answer` sees everything the client has
 * sent so far and returns the bytes to send back, or null to wait for more.
 */
interface CannedProxy extends LoopbackServer {
  received: Buffer[];
}

async function cannedProxy(answer: (sent: Buffer, step: number) => Buffer | string | null): Promise<CannedProxy> {
  const received: Buffer[] = [];
  const server = await loopbackServer((socket) => {
    let sent = Buffer.alloc(0);
    let step = 0;
    socket.on('data', (chunk: Buffer) => {
      sent = Buffer.concat([sent, chunk]);
      const reply = answer(sent, step);
      if (reply === null) return;
      received.push(sent);
      sent = Buffer.alloc(0);
      step += 1;
      socket.write(reply);
    });
  });
  return { ...server, received };
}

async function dialError(proxyUrl: string, host = 'tunnel.example.com', timeoutMs = 5_000): Promise<Error & { code?: string }> {
  try {
    const { socket } = await dialThroughProxyIfAny(host, 443, { proxy: proxyUrl, env: {}, timeoutMs });
    socket.destroy();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('the dial succeeded');
}

const headComplete = (sent: Buffer): boolean => sent.includes('\r\n\r\n');

describe('proxy dialers against canned proxies (loopback)', function () {
  this.timeout(20_000);
  const open: CannedProxy[] = [];
  afterEach(async () => {
    for (const p of open.splice(0)) await p.close();
  });
  async function proxy(answer: Parameters<typeof cannedProxy>[0]): Promise<CannedProxy> {
    const p = await cannedProxy(answer);
    open.push(p);
    return p;
  }

  it('HTTP CONNECT: sends the authority and Basic credentials, and maps refusals to codes', async () => {
    const cases: [string, string][] = [
      ['HTTP/1.1 403 Forbidden', 'ERR_PROXY_FORBIDDEN'],
      ['HTTP/1.1 502 Bad Gateway', 'ERR_PROXY_UPSTREAM_FAILED'],
      ['HTTP/1.0 500 Unable to connect', 'ERR_PROXY_UPSTREAM_FAILED'],
      ['HTTP/1.1 405 Method Not Allowed', 'ERR_PROXY_REFUSED'],
      ['SSH-2.0-OpenSSH_9.2', 'ERR_PROXY_PROTOCOL'],
    ];
    for (const [statusLine, code] of cases) {
      const p = await proxy((sent) => (headComplete(sent) ? `${statusLine}\r\nContent-Length: 0\r\n\r\n` : null));
      const err = await dialError(`http://al%40ice:p%3Ass@127.0.0.1:${p.port}`);
      expect(errorCode(err), statusLine).to.equal(code);
      expect(err.message, statusLine).to.contain('http://al%40ice:***@127.0.0.1:');
      expect(p.received[0]?.toString()).to.equal(
        'CONNECT tunnel.example.com:443 HTTP/1.1\r\nHost: tunnel.example.com:443\r\n' +
          `Proxy-Authorization: Basic ${Buffer.from('al@ice:p:ss').toString('base64')}\r\n\r\n`,
      );
    }
  });

  it('HTTP CONNECT: a 200 hands over the socket with nothing consumed; IPv6 targets go in brackets', async () => {
    const p = await proxy((sent, step) => (step === 0 ? (headComplete(sent) ? 'HTTP/1.1 200 Connection established\r\n\r\n' : null) : sent));
    const { socket, route } = await dialThroughProxyIfAny('::1', 443, { proxy: `http://127.0.0.1:${p.port}`, env: {} });
    expect(route.description).to.equal(`via HTTP proxy http://127.0.0.1:${p.port} (from --proxy)`);
    expect(p.received[0]?.toString()).to.match(/^CONNECT \[::1\]:443 HTTP\/1\.1\r\nHost: \[::1\]:443\r\n\r\n$/);
    socket.write('ping');
    const echoed = await new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    expect(echoed).to.equal('ping');
    socket.destroy();
  });

  it('a proxy that never answers times out with its own code', async () => {
    const p = await proxy(() => null);
    const err = await dialError(`http://127.0.0.1:${p.port}`, 'tunnel.example.com', 2_000);
    expect(errorCode(err)).to.equal('ERR_PROXY_TIMEOUT');
  });

  it('SOCKS5 pointed at an HTTP proxy (and the reverse) says which kind it found', async () => {
    const http = await proxy(() => 'HTTP/1.0 400 Bad Request\r\n\r\n');
    const asSocks = await dialError(`socks5://127.0.0.1:${http.port}`);
    expect(errorCode(asSocks)).to.equal('ERR_PROXY_PROTOCOL');
    expect(asSocks.message).to.contain('not as a SOCKS5 proxy');

    const socks = await proxy(() => Buffer.from([5, 0xff]));
    const asHttp = await dialError(`http://127.0.0.1:${socks.port}`);
    expect(errorCode(asHttp)).to.equal('ERR_PROXY_PROTOCOL');
  });

  it('SOCKS5: encodes IPv4, IPv6 and names as RFC 1928 address types, and reads every reply shape', async () => {
    const targets: [string, number[]][] = [
      ['192.0.2.7', [1, 192, 0, 2, 7]],
      ['::ffff:127.0.0.1', [4, ...Array<number>(10).fill(0), 0xff, 0xff, 127, 0, 0, 1]],
      ['fd00::1:2', [4, 0xfd, 0, ...Array<number>(10).fill(0), 0, 1, 0, 2]],
      ['tunnel.example.com', [3, 18, ...Buffer.from('tunnel.example.com')]],
    ];
    // Replies bound to an IPv4 address, an IPv6 address and a name: all must be read to their end.
    const replies = [
      [5, 0, 0, 1, 127, 0, 0, 1, 0, 80],
      [5, 0, 0, 4, ...Array<number>(16).fill(0), 0, 80],
      [5, 0, 0, 3, 5, ...Buffer.from('proxy'), 0, 80],
      [5, 0, 0, 1, 10, 0, 0, 1, 1, 187],
    ];
    for (const [index, [host, address]] of targets.entries()) {
      const p = await proxy((sent, step) => {
        if (step === 0) return sent.length >= 3 ? Buffer.from([5, 0]) : null;
        return sent.length >= 3 + address.length + 2 ? Buffer.from(replies[index]!) : null;
      });
      const { socket } = await dialThroughProxyIfAny(host, 443, { proxy: `socks5://127.0.0.1:${p.port}`, env: {} });
      socket.destroy();
      expect([...p.received[0]!], `greeting for ${host}`).to.deep.equal([5, 1, 0]);
      expect([...p.received[1]!], `request for ${host}`).to.deep.equal([5, 1, 0, ...address, 1, 187]);
    }
  });
});
