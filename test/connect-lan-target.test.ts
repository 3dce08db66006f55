import http from 'node:http';
import { expect } from 'chai';
import { useWorld } from './support/developer.js';
import { runProgram } from './support/programs.js';

/** An HTTP server on a loopback address that stands in for a host on the device's LAN. */
async function lanWebServer(host: string): Promise<number> {
  const server = http.createServer((req, res) => res.end(`hello from ${host}, you asked for ${req.url} (Tunnel-Target header: ${String(req.headers['tunnel-target'])})\n`));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  server.unref();
  return (server.address() as { port: number }).port;
}

describe('HTTP CONNECT to a host on the device\'s network (Tunnel-Target), under the device\'s own policy', function () {
  this.timeout(180_000);
  let allowed: number;
  let notAllowed: number;
  const world = useWorld(async () => {
    allowed = await lanWebServer('127.0.0.2');
    notAllowed = await lanWebServer('127.0.0.2');
    return { agentArgs: ['--allow-target', `127.0.0.2:${allowed}`] };
  });

  function curl(args: string[], port: number, target?: string): ReturnType<typeof runProgram> {
    const { server, user, device } = world;
    return runProgram('curl', [
      '-sS',
      '-w',
      '%{http_code}',
      '--proxy',
      `https://127.0.0.1:${server.port}`,
      '--proxy-cacert',
      user.caFile,
      '--proxy-user',
      `x:${user.token}`,
      ...(target !== undefined ? ['--proxy-header', `Tunnel-Target: ${target}`] : []),
      ...args,
      `http://${device.uuid}.balena:${port}/lan`,
    ]);
  }

  it('reaches a LAN host the device allows, through CONNECT and through a plain proxy request', async () => {
    const tunnelled = await curl(['--proxytunnel'], allowed, '127.0.0.2');
    expect(tunnelled.code, tunnelled.stderr).to.equal(0);
    expect(tunnelled.stdout).to.equal('hello from 127.0.0.2, you asked for /lan (Tunnel-Target header: undefined)\n200');
    // The header is ours: a plain request is forwarded without it.
    const plain = await curl([], allowed, '127.0.0.2');
    expect(plain.stdout).to.equal('hello from 127.0.0.2, you asked for /lan (Tunnel-Target header: undefined)\n200');
  });

  it('a LAN port outside allowedTargets is refused by the device (403), as `device tunnel --target` is', async () => {
    const r = await curl(['--proxytunnel'], notAllowed, '127.0.0.2');
    expect(r.code).to.not.equal(0);
    const plain = await curl([], notAllowed, '127.0.0.2');
    expect(plain.stdout).to.match(new RegExp(`"code":"ERR_OPEN_PORT_NOT_ALLOWED".*127\\.0\\.0\\.2:${notAllowed}.*403$`));
    // Without the header the same port is asked of the device itself, where nothing listens on it.
    const itself = await curl([], allowed);
    expect(itself.stdout).to.match(/"code":"ERR_OPEN_CONNECTION_REFUSED".*502$/);
  });

  it('a Tunnel-Target that is not one host is a 400 with the header named', async () => {
    const r = await curl([], allowed, '127.0.0.2:22');
    expect(r.stdout).to.match(/"code":"ERR_CONNECT_BAD_TARGET".*Tunnel-Target \\"127\.0\.0\.2:22\\" must be one host name or IP address.*400$/);
  });
});
