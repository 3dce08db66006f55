import net from 'node:net';
import { loopbackServer, type LoopbackServer } from './loopback-server.js';

export interface Socks5Request {
  /** 1 IPv4, 3 domain name, 4 IPv6 (RFC 1928). */
  addressType: number;
  host: string;
  port: number;
  username: string | undefined;
}

export interface Socks5Fixture extends LoopbackServer {
  requests: Socks5Request[];
}

export interface Socks5FixtureOptions {
  /** Require RFC 1929 username/password authentication with these credentials. */
  credentials?: { username: string; password: string };
  /** Answer every CONNECT with this reply code instead of connecting (2: not allowed by ruleset). */
  refuseWith?: number;
  /** Names only the proxy can resolve (its own DNS): a device that resolved them itself would fail. */
  hosts?: Record<string, string>;
}

function readExactly(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const chunk = socket.read(n) as Buffer | null;
      if (chunk === null) return;
      socket.off('readable', attempt);
      socket.off('end', ended);
      resolve(chunk);
    };
    const ended = (): void => reject(new Error('client went away'));
    socket.on('readable', attempt);
    socket.once('end', ended);
    attempt();
  });
}

function reply(code: number): Buffer {
  return Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

async function serve(client: net.Socket, options: Socks5FixtureOptions, requests: Socks5Request[]): Promise<void> {
  const [, methodCount] = await readExactly(client, 2);
  const methods = [...(await readExactly(client, methodCount!))];
  const wanted = options.credentials ? 2 : 0;
  if (!methods.includes(wanted)) {
    client.end(Buffer.from([5, 0xff]));
    return;
  }
  client.write(Buffer.from([5, wanted]));
  let username: string | undefined;
  if (options.credentials) {
    const [, userLength] = await readExactly(client, 2);
    username = (await readExactly(client, userLength!)).toString();
    const [passLength] = await readExactly(client, 1);
    const password = passLength ? (await readExactly(client, passLength)).toString() : '';
    const ok = username === options.credentials.username && password === options.credentials.password;
    client.write(Buffer.from([1, ok ? 0 : 1]));
    if (!ok) {
      client.end();
      return;
    }
  }
  const [, , , addressType] = await readExactly(client, 4);
  let host: string;
  if (addressType === 1) host = [...(await readExactly(client, 4))].join('.');
  else if (addressType === 3) host = (await readExactly(client, (await readExactly(client, 1))[0]!)).toString();
  else host = ((await readExactly(client, 16)).toString('hex').match(/.{4}/g) ?? []).join(':');
  const port = (await readExactly(client, 2)).readUInt16BE(0);
  requests.push({ addressType: addressType!, host, port, username });
  if (options.refuseWith !== undefined) {
    client.end(reply(options.refuseWith));
    return;
  }
  // The proxy resolves names itself: that is what remote DNS means.
  const onward = net.connect({ host: options.hosts?.[host] ?? host, port });
  onward.once('connect', () => {
    client.write(reply(0));
    client.pipe(onward);
    onward.pipe(client);
  });
  onward.once('error', () => client.end(reply(5)));
  client.once('close', () => onward.destroy());
}

/** A minimal SOCKS5 server (RFC 1928 CONNECT, RFC 1929 authentication) that records what it was asked. */
export async function startSocks5Fixture(options: Socks5FixtureOptions = {}): Promise<Socks5Fixture> {
  const requests: Socks5Request[] = [];
  const server = await loopbackServer((client) => {
    serve(client, options, requests).catch(() => client.destroy());
  });
  return { ...server, requests };
}
