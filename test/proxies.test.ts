import { expect } from 'chai';
import { deviceList, eventually, type ServerWithDevice } from './support/fixtures.js';
import { fakeClockEnv } from './support/faketime.js';
import { configVariant, devCertificateFile, PROXY_ONLY_NAME, serverCertificateDates } from './support/hostile-fixtures.js';
import { freePort } from './support/network.js';
import { logDetail, logErr, type LogLine, type Proc } from './support/processes.js';
import { useProxiedAgents } from './support/proxied-agents.js';
import { startDanted, startTinyproxy, type ProxyDaemon } from './support/proxy-daemons.js';
import { startSocks5Fixture } from 'tunnel-client/test/socks5-fixture';

const CREDENTIALS = { username: 'fleet', password: 's3cret' };

async function expectConnected(agent: Proc, { server, device }: ServerWithDevice): Promise<LogLine> {
  const connected = await agent.waitForLog((l) => l.msg === 'connected');
  const listed = await eventually(async () => (await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid && d.vpn.connected));
  expect(listed.vpn.sessionId).to.equal(connected['sessionId']);
  return connected;
}

function routeOf(agent: Proc): string {
  return String(agent.logs.find((l) => l.msg === 'connecting')?.['route']);
}

/** A failure the agent logs, then retries: the process must stay up. */
async function expectFailure(agent: Proc, code: string): Promise<LogLine> {
  const failed = await agent.waitForLog((l) => l.msg === 'connection failed' && l.code === code);
  await agent.waitForLog((l) => typeof l['retryInMs'] === 'number');
  expect(agent.alive).to.equal(true);
  return failed;
}

/** The CONNECT requests tinyproxy logged for this port. */
function connectsLogged(proxy: ProxyDaemon, port: number): number {
  return proxy.log().split('\n').filter((line) => line.includes(`CONNECT 127.0.0.1:${port} `)).length;
}

describe('proxies: HTTP CONNECT (tinyproxy), SOCKS5 (danted and a fixture), NO_PROXY (agent processes)', function () {
  this.timeout(180_000);
  const agents = useProxiedAgents('behind-proxy', ['--hostname', PROXY_ONLY_NAME]);

  it('HTTPS_PROXY through tinyproxy: the agent connects via CONNECT and the proxy logged the tunnel', async () => {
    const proxy = await startTinyproxy();
    const agent = agents.start({ HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` });
    await expectConnected(agent, agents);
    expect(routeOf(agent)).to.equal(`via HTTP proxy http://127.0.0.1:${proxy.port} (from HTTPS_PROXY)`);
    expect(connectsLogged(proxy, agents.server.port)).to.be.at.least(1);
    await proxy.stop();
  });

  it('tinyproxy with Basic auth: credentials in --proxy connect; missing or wrong ones are named', async () => {
    const proxy = await startTinyproxy({ credentials: CREDENTIALS });
    const base = `127.0.0.1:${proxy.port}`;

    const anonymous = agents.start({}, ['--proxy', `http://${base}`]);
    const required = await expectFailure(anonymous, 'ERR_PROXY_AUTH_REQUIRED');
    expect(logErr(required).message).to.match(/^the HTTP proxy http:\/\/127\.0\.0\.1:\d+ requires credentials \(HTTP 407 .*\); put them in the proxy URL/);
    expect(logDetail(required, 'httpStatus')).to.equal(407);
    await anonymous.kill();

    const wrong = agents.start({}, ['--proxy', `http://${CREDENTIALS.username}:nope@${base}`]);
    const failed = await expectFailure(wrong, 'ERR_PROXY_AUTH_FAILED');
    expect(logErr(failed).message).to.match(/^the HTTP proxy http:\/\/fleet:\*\*\*@127\.0\.0\.1:\d+ rejected the credentials in the proxy URL \(HTTP 40[17] /);
    expect(JSON.stringify(wrong.logs)).not.to.contain('nope');
    await wrong.kill();

    const good = agents.start({}, ['--proxy', `http://${CREDENTIALS.username}:${CREDENTIALS.password}@${base}`]);
    await expectConnected(good, agents);
    expect(routeOf(good)).to.equal(`via HTTP proxy http://fleet:***@${base} (from --proxy)`);
    expect(JSON.stringify(good.logs)).not.to.contain(CREDENTIALS.password);
    await proxy.stop();
  });

  it('--proxy wins over HTTPS_PROXY', async () => {
    const proxy = await startTinyproxy();
    const dead = await freePort();
    const agent = agents.start({ HTTPS_PROXY: `http://127.0.0.1:${dead}` }, ['--proxy', `http://127.0.0.1:${proxy.port}`]);
    await expectConnected(agent, agents);
    expect(routeOf(agent)).to.contain('(from --proxy)');
    await proxy.stop();
  });

  it('NO_PROXY: the agent goes direct, and the proxy sees nothing', async () => {
    const proxy = await startTinyproxy();
    const agent = agents.start({ HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: 'localhost,127.0.0.0/8' });
    await expectConnected(agent, agents);
    expect(routeOf(agent)).to.equal('direct (NO_PROXY entry "127.0.0.0/8")');
    expect(connectsLogged(proxy, agents.server.port)).to.equal(0);
    await proxy.stop();
    await agent.kill();

    // With the proxy gone altogether, no_proxy (lower case) still sends the agent straight to the agents.server.
    const direct = agents.start({ https_proxy: `http://127.0.0.1:${proxy.port}`, no_proxy: `127.0.0.1:${agents.server.port}` });
    await expectConnected(direct, agents);
  });

  it('a proxy that is down is reported as unreachable, and the agent keeps retrying', async () => {
    const dead = await freePort();
    const agent = agents.start({ HTTPS_PROXY: `http://127.0.0.1:${dead}` });
    const failed = await expectFailure(agent, 'ERR_PROXY_UNREACHABLE');
    expect(logErr(failed).message).to.equal(
      `cannot reach the proxy http://127.0.0.1:${dead} (from HTTPS_PROXY): connection to 127.0.0.1:${dead} refused: nothing listens on that port, or a firewall rejects it`,
    );
  });

  it('a bad proxy URL stops the agent at start with the setting named', async () => {
    const agent = agents.start({ HTTPS_PROXY: 'https://proxy.example:3128' });
    const { code } = await agent.exited;
    expect(code).to.equal(1);
    expect(agent.stderr).to.contain('HTTPS_PROXY "https://proxy.example:3128" is not a usable proxy URL: TLS to the proxy itself is not supported');
    expect(agent.stderr).to.contain('[ERR_PROXY_URL_INVALID]');
  });

  it('SOCKS5 through danted: the agent connects by name, which the proxy resolves', async () => {
    const proxy = await startDanted();
    // "localhost" goes to the proxy as a name (remote DNS); the server certificate covers it.
    const file = configVariant(agents.device, { vpnEndpoint: 'localhost' });
    const agent = agents.start({}, ['--proxy', `socks5://127.0.0.1:${proxy.port}`], file);
    await expectConnected(agent, agents);
    expect(routeOf(agent)).to.equal(`via SOCKS5 proxy socks5://127.0.0.1:${proxy.port} (from --proxy)`);
    await eventually(() => (proxy.log().includes(`127.0.0.1.${agents.server.port}`) ? true : undefined), 10_000, 'danted to log the relayed connection');
    await proxy.stop();
  });

  it('SOCKS5 with username/password (RFC 1929): connects with them, names a missing or wrong password', async () => {
    const socks = await startSocks5Fixture({ credentials: CREDENTIALS });
    const file = configVariant(agents.device, { vpnEndpoint: 'localhost' });
    const base = `127.0.0.1:${socks.port}`;

    const anonymous = agents.start({ ALL_PROXY: `socks5://${base}` }, [], file);
    const required = await expectFailure(anonymous, 'ERR_PROXY_AUTH_REQUIRED');
    expect(logErr(required).message).to.equal(
      `the SOCKS5 proxy socks5://${base} requires authentication; put the credentials in the proxy URL: socks5://USER:PASSWORD@HOST:PORT`,
    );
    await anonymous.kill();

    const wrong = agents.start({ ALL_PROXY: `socks5://fleet:nope@${base}` }, [], file);
    const failed = await expectFailure(wrong, 'ERR_PROXY_AUTH_FAILED');
    expect(logErr(failed).message).to.equal(`the SOCKS5 proxy socks5://fleet:***@${base} rejected the credentials in the proxy URL`);
    await wrong.kill();

    const good = agents.start({ ALL_PROXY: `socks5h://fleet:${CREDENTIALS.password}@${base}` }, [], file);
    await expectConnected(good, agents);
    // The name went to the proxy unresolved (address type 3), with the user name. (Heartbeats
    // to apiEndpoint take the same proxy, so look for the tunnel's own request.)
    expect(socks.requests).to.deep.include({ addressType: 3, host: 'localhost', port: agents.server.port, username: 'fleet' });
    await socks.close();
  });

  it('SOCKS5 reply codes become words: "not allowed by ruleset" and "connection refused"', async () => {
    const strict = await startSocks5Fixture({ refuseWith: 0x02 });
    const forbidden = agents.start({}, ['--proxy', `socks5://127.0.0.1:${strict.port}`]);
    const refusal = await expectFailure(forbidden, 'ERR_PROXY_FORBIDDEN');
    expect(logErr(refusal).message).to.equal(
      `the SOCKS5 proxy socks5://127.0.0.1:${strict.port} could not connect to 127.0.0.1:${agents.server.port}: connection not allowed by the proxy's rules (reply 2)`,
    );
    expect(logDetail(refusal, 'socksReply')).to.equal(2);
    await forbidden.kill();
    await strict.close();

    const socks = await startSocks5Fixture();
    const closed = await freePort();
    const nowhere = agents.start({}, ['--proxy', `socks5://127.0.0.1:${socks.port}`, '--vpn-port', String(closed)]);
    const upstream = await expectFailure(nowhere, 'ERR_PROXY_UPSTREAM_FAILED');
    expect(logErr(upstream).message).to.contain(`could not connect to 127.0.0.1:${closed}: connection refused by the destination (reply 5)`);
    await socks.close();
  });

  it('a certificate failure behind a proxy is diagnosed through the same proxy (chain and server clock)', async () => {
    const socks = await startSocks5Fixture({ hosts: { [PROXY_ONLY_NAME]: '127.0.0.1' } });
    const file = configVariant(agents.device, { vpnEndpoint: PROXY_ONLY_NAME });
    const agent = agents.start({ ...fakeClockEnv('@2017-03-23 12:00:00'), ALL_PROXY: `socks5://127.0.0.1:${socks.port}` }, [], file);
    const failed = await expectFailure(agent, 'ERR_TLS_CERT_NOT_YET_VALID');
    // Dates quoted from the chain, and the server's clock: both read through the proxy, the only way to that name.
    expect(logDetail(failed, 'notBefore')).to.equal(serverCertificateDates(devCertificateFile(agents.server.dataDir)).notBefore);
    await agent.waitForLog((l) => /^device clock is \d+ years? .*behind the server/.test(String(l.msg)));
    expect(socks.requests.filter((r) => r.host === PROXY_ONLY_NAME).length).to.be.at.least(3);
    await socks.close();
  });

  it('a name the server certificate does not cover is named, with the names it does cover', async () => {
    const socks = await startSocks5Fixture({ hosts: { 'other.corp.test': '127.0.0.1' } });
    const file = configVariant(agents.device, { vpnEndpoint: 'other.corp.test' });
    const agent = agents.start({ ALL_PROXY: `socks5://127.0.0.1:${socks.port}` }, [], file);
    const failed = await expectFailure(agent, 'ERR_TLS_HOSTNAME_MISMATCH');
    expect(logErr(failed).message).to.match(/^server certificate is for ".*tunnel\.corp\.test.*" but the device connected to "other\.corp\.test"; /);
    expect(logDetail(failed, 'certificateNames')).to.include(PROXY_ONLY_NAME);
    await socks.close();
  });
});
