import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { deviceList, eventually } from './support/fixtures.js';
import { logErr, type Proc, tempDir } from './support/processes.js';
import { useProxiedAgents } from './support/proxied-agents.js';
import { startTinyproxy } from './support/proxy-daemons.js';
import { startSocks5Fixture } from 'tunnel-client/test/socks5-fixture';

const CREDENTIALS = { username: 'fleet', password: 's3cret' };

/** A system-proxy folder as balenaOS writes it on the boot partition: redsocks.conf, and no_proxy when given. */
function systemProxyDir(redsocks: { type: string; port: number; login?: string; password?: string }, noProxy?: string[]): string {
  const dir = tempDir('system-proxy-');
  const credentials = redsocks.login !== undefined ? [`    login = "${redsocks.login}";`, `    password = "${redsocks.password ?? ''}";`] : [];
  const conf = [
    'base {',
    '    log_debug = off;',
    '    log_info = on;',
    '    log = stderr;',
    '    daemon = off;',
    '    redirector = iptables;',
    '}',
    '',
    '/* the proxy every connection goes through */',
    'redsocks {',
    `    type = ${redsocks.type};`,
    '    ip = 127.0.0.1;',
    `    port = ${redsocks.port};`,
    ...credentials,
    '}',
    '',
  ];
  writeFileSync(path.join(dir, 'redsocks.conf'), conf.join('\n'));
  if (noProxy) writeFileSync(path.join(dir, 'no_proxy'), `${noProxy.join('\n')}\n`);
  return dir;
}

describe('balenaOS proxy configuration (/mnt/boot/system-proxy) and proxy protocol mismatches (agent processes)', function () {
  this.timeout(180_000);
  const agents = useProxiedAgents('balena-proxied');

  async function expectConnected(agent: Proc): Promise<string> {
    const connected = await agent.waitForLog((l) => l.msg === 'connected');
    await eventually(async () => (await deviceList(agents.server.dataDir)).find((d) => d.uuid === agents.device.uuid && d.vpn.sessionId === connected['sessionId']));
    return String(agent.logs.find((l) => l.msg === 'connecting')?.['route']);
  }

  it('redsocks.conf with type http-connect and a login: the agent connects through that HTTP proxy with those credentials', async () => {
    const proxy = await startTinyproxy({ credentials: CREDENTIALS });
    const dir = systemProxyDir({ type: 'http-connect', port: proxy.port, login: CREDENTIALS.username, password: CREDENTIALS.password });
    const agent = agents.start({ TUNNEL_SYSTEM_PROXY_DIR: dir });
    const route = await expectConnected(agent);
    expect(route).to.equal(`via HTTP proxy http://fleet:***@127.0.0.1:${proxy.port} (from ${path.join(dir, 'redsocks.conf')})`);
    expect(proxy.log()).to.contain(`CONNECT 127.0.0.1:${agents.server.port} `);
    expect(JSON.stringify(agent.logs)).not.to.contain(CREDENTIALS.password);
    await proxy.stop();
  });

  it('redsocks.conf with type socks5: the agent connects through the SOCKS5 proxy; HTTPS_PROXY still wins over the file', async () => {
    const socks = await startSocks5Fixture();
    const dir = systemProxyDir({ type: 'socks5', port: socks.port });
    const agent = agents.start({ TUNNEL_SYSTEM_PROXY_DIR: dir });
    expect(await expectConnected(agent)).to.equal(`via SOCKS5 proxy socks5://127.0.0.1:${socks.port} (from ${path.join(dir, 'redsocks.conf')})`);
    expect(socks.requests).to.deep.include({ addressType: 1, host: '127.0.0.1', port: agents.server.port, username: undefined });
    await agent.kill();

    const proxy = await startTinyproxy();
    const fromEnv = agents.start({ TUNNEL_SYSTEM_PROXY_DIR: dir, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` });
    expect(await expectConnected(fromEnv)).to.equal(`via HTTP proxy http://127.0.0.1:${proxy.port} (from HTTPS_PROXY)`);
    await socks.close();
    await proxy.stop();
  });

  it("balenaOS's no_proxy file (one entry a line) sends the server's address direct", async () => {
    const socks = await startSocks5Fixture();
    const dir = systemProxyDir({ type: 'socks5', port: socks.port }, ['192.168.0.0/16', '127.0.0.0/8']);
    const agent = agents.start({ TUNNEL_SYSTEM_PROXY_DIR: dir });
    expect(await expectConnected(agent)).to.equal('direct (NO_PROXY entry "127.0.0.0/8")');
    expect(socks.requests).to.have.length(0);
    await socks.close();
  });

  it('a redsocks.conf type we cannot use stops the agent at start with the file named', async () => {
    const dir = systemProxyDir({ type: 'socks4', port: 1080 });
    const agent = agents.start({ TUNNEL_SYSTEM_PROXY_DIR: dir });
    const { code } = await agent.exited;
    expect(code).to.equal(1);
    expect(agent.stderr).to.contain(`${path.join(dir, 'redsocks.conf')}: type "socks4" is not supported; use type = http-connect or type = socks5`);
    expect(agent.stderr).to.contain('[ERR_PROXY_SYSTEM_CONFIG_INVALID]');
  });

  it('a socks5:// URL that points at an HTTP proxy is reported as a protocol mismatch, well before the connect timeout', async () => {
    const proxy = await startTinyproxy();
    const agent = agents.start({}, ['--proxy', `socks5://127.0.0.1:${proxy.port}`, '--connect-timeout', '60s']);
    const started = Date.now();
    const failed = await agent.waitForLog((l) => l.msg === 'connection failed', 40_000);
    expect(failed['code']).to.equal('ERR_PROXY_PROTOCOL');
    expect(logErr(failed).message).to.equal(
      `the SOCKS5 proxy socks5://127.0.0.1:${proxy.port} answers HTTP, not SOCKS5: it is an HTTP proxy, so use http://127.0.0.1:${proxy.port}`,
    );
    expect(Date.now() - started).to.be.below(40_000);
    await proxy.stop();
  });
});
