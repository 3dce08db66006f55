import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { addDevice, eventually, FAST_AGENT_ARGS, startAgent } from './support/fixtures.js';
import { addUser, apiGet, runClient, startTunnel, useWorld, WORLD_FLEET } from './support/developer.js';
import { countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { run, SERVER_CLI, tempDir } from './support/processes.js';
import { runProgram } from './support/programs.js';

interface ListedDevice {
  uuid: string;
  name: string;
  fleet: string | null;
  status: string;
  statusLabel: string;
  statusSince: string | null;
  authFailures: number;
}

/** Prometheus text format: `name{labels} value` lines into a map keyed by `name{labels}`. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+]+|NaN|\+Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text format: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('status API, device list/status commands and /metrics (real processes)', function () {
  this.timeout(120_000);
  const metricsToken = randomBytes(32).toString('hex');
  const world = useWorld(() => {
    const tokenFile = path.join(tempDir('tunnel-metrics-'), 'metrics-token');
    writeFileSync(tokenFile, `${metricsToken}\n`);
    return Promise.resolve({ agentArgs: ['--heartbeat-interval', '2s'], serverArgs: ['--metrics-token-file', tokenFile] });
  });

  it('lists the devices a user may reach, filtered by fleet and status, in JSON and as a table', async () => {
    const { server, user } = world;
    const stranger = await addDevice(server.dataDir, server.port, { name: 'elsewhere' });
    await eventually(async () => {
      const r = await apiGet(server, '/v1/devices', user.token);
      const devices = (JSON.parse(r.text) as { devices: ListedDevice[] }).devices;
      return devices.find((d) => d.name === 'pi-1' && d.status === 'online');
    });
    const mine = JSON.parse((await apiGet(server, '/v1/devices', user.token)).text) as { devices: ListedDevice[]; fleets: string[] };
    expect(mine.devices.map((d) => d.name), 'a developer sees only their fleets').to.deep.equal(['pi-1']);
    expect(mine.fleets).to.deep.equal([WORLD_FLEET]);
    expect(mine.devices[0]!.statusSince).to.be.a('string');

    const root = await addUser(server, 'root', 'admin');
    const all = JSON.parse((await apiGet(server, '/v1/devices', root.token)).text) as { devices: ListedDevice[] };
    expect(all.devices.map((d) => d.name).sort()).to.deep.equal(['elsewhere', 'pi-1']);
    const offline = JSON.parse((await apiGet(server, '/v1/devices?status=offline', root.token)).text) as { devices: ListedDevice[] };
    expect(offline.devices.map((d) => d.name)).to.deep.equal(['elsewhere']);
    const lab = JSON.parse((await apiGet(server, `/v1/devices?fleet=${WORLD_FLEET}`, root.token)).text) as { devices: ListedDevice[] };
    expect(lab.devices.map((d) => d.name)).to.deep.equal(['pi-1']);
    expect((await apiGet(server, '/v1/devices?status=sleepy', root.token)).status).to.equal(400);
    expect((await apiGet(server, '/v1/devices')).status).to.equal(401);

    const table = await runClient(user, ['device', 'list']);
    expect(table.code, table.stderr).to.equal(0);
    const [header, row] = table.stdout.split('\n');
    expect(header).to.match(/^UUID\s+NAME\s+FLEET\s+STATUS\s+LAST HEARTBEAT\s+CONNECTED SINCE$/);
    expect(row).to.match(new RegExp(`^${world.device.uuid.slice(0, 7)}\\s+pi-1\\s+${WORLD_FLEET}\\s+Online\\s+\\d+ s ago\\s+\\d{4}-`));
    const json = await runClient(root, ['device', 'list', '--status', 'offline', '--json']);
    expect((JSON.parse(json.stdout) as ListedDevice[]).map((d) => d.name)).to.deep.equal(['elsewhere']);
    const bad = await runClient(root, ['device', 'list', '--status', 'sleepy']);
    expect(bad.code, 'a bad option value is a usage error').to.equal(2);
    expect(bad.stderr).to.contain('must be one of online, heartbeat-only, vpn-only, offline');

    // A device the user may not reach answers exactly as one that does not exist: no existence, no fleet.
    const secretFleet = await run(SERVER_CLI, ['fleet', 'add', 'secret-lab', '--data', server.dataDir]);
    expect(secretFleet.code, secretFleet.stderr).to.equal(0);
    const secret = await addDevice(server.dataDir, server.port, { name: 'secret-one', extraArgs: ['--fleet', 'secret-lab'] });
    const nobody = '0123456789abcdef0123456789abcdef';
    const unknown = await apiGet(server, `/v1/devices/${nobody}`, user.token);
    expect(unknown.status).to.equal(404);
    for (const [hiddenDevice, name] of [[stranger, 'elsewhere'], [secret, 'secret-one']] as const) {
      const hidden = await apiGet(server, `/v1/devices/${hiddenDevice.uuid}`, user.token);
      expect(hidden.status, hiddenDevice.uuid).to.equal(404);
      expect(hidden.text.replace(hiddenDevice.uuid, nobody), 'same body as an unknown device').to.equal(unknown.text);
      expect(hidden.text).to.not.contain('secret-lab').and.not.contain('fleet');
      const byName = await apiGet(server, `/v1/devices/${name}`, user.token);
      expect(byName.text.replace(name, nobody)).to.equal(unknown.text);
    }
    expect((await apiGet(server, '/v1/devices/secret-one', root.token)).status, 'an admin still sees it').to.equal(200);
  });

  it('shows one device in detail with `device status`', async () => {
    const { user } = world;
    const r = await runClient(user, ['device', 'status', 'pi-1']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Device:\s+pi-1 \([0-9a-f]{32}\)$/m);
    expect(r.stdout).to.match(/^Status:\s+Online since \d{4}-/m);
    expect(r.stdout).to.match(/^VPN:\s+connected since .*, session [0-9a-f]{24}$/m);
    expect(r.stdout).to.match(/^Last heartbeat:\s+.*every 2 s\)$/m);
    expect(r.stdout).to.match(/^Agent version:\s+\d+\.\d+\.\d+$/m);
    const json = JSON.parse((await runClient(user, ['device', 'status', 'pi-1', '--json'])).stdout) as ListedDevice;
    expect(json).to.include({ name: 'pi-1', status: 'online', statusLabel: 'Online' });
  });

  it('exposes Prometheus metrics that count real traffic, failed authentications and statuses', async () => {
    const { server, user } = world;
    const replier = await tcpServer('127.0.0.1', countingReplier);
    const [local, closedLocal, closed] = await Promise.all([freePort(), freePort(), freePort()]);
    const tunnel = await startTunnel(user, 'pi-1', ['-p', `${replier.port}:${local}`, '-p', `${closed}:${closedLocal}`]);
    expect(await exchange(local, 'metrics!')).to.match(/^got 8 bytes/);
    await exchange(closedLocal, 'x').catch(() => undefined);
    await tunnel.waitForStdout(/Connection #2 [^\n]*failed/);
    await tunnel.kill();

    // A device with the wrong key fails authentication (reason ERR_AUTH_BAD_KEY).
    const bad = await addDevice(server.dataDir, server.port, { name: 'wrong-key', extraArgs: ['--fleet', WORLD_FLEET] });
    writeFileSync(bad.file, JSON.stringify({ ...bad.config, deviceApiKey: 'd'.repeat(64) }));
    const from = server.proc.logs.length;
    const impostor = startAgent(bad.file, FAST_AGENT_ARGS);
    await server.proc.waitForLog((l) => l.msg === 'device authentication failed' && l.code === 'ERR_AUTH_BAD_KEY', 20_000, from);
    await impostor.kill();

    expect((await apiGet(server, '/metrics')).status, 'metrics need a token').to.equal(401);
    // Fleet-wide counts are not for every user: developers and support are refused, admins and the metrics token are not.
    const support = await addUser(server, 'helpdesk', 'support');
    for (const [who, token] of [['developer', user.token], ['support', support.token]] as const) {
      const refused = await apiGet(server, '/metrics', token);
      expect(refused.status, who).to.equal(403);
      expect(JSON.parse(refused.text)).to.deep.equal({
        error: { code: 'ERR_API_FORBIDDEN', message: `/metrics needs an admin's token or the metrics token (tunnel-server start --metrics-token-file); ${who === 'developer' ? user.name : 'helpdesk'} is ${who}` },
      });
    }
    const admin = await addUser(server, 'metrics-admin', 'admin');
    expect((await apiGet(server, '/metrics', admin.token)).status, 'an admin reads them').to.equal(200);
    expect((await apiGet(server, '/v1/devices', metricsToken)).status, 'the metrics token opens nothing else').to.equal(401);
    expect((await apiGet(server, '/metrics', `${metricsToken.slice(0, -1)}x`)).status, 'a near miss is no token').to.equal(401);
    const scraped = await eventually(async () => {
      const r = await apiGet(server, '/metrics', metricsToken);
      const m = parseMetrics(r.text);
      return (m.get('tunnel_stream_bytes_total{direction="from_device"}') ?? 0) > 0 ? { r, m } : undefined;
    });
    expect(scraped.r.contentType).to.contain('text/plain');
    const m = scraped.m;
    const exactly: [string, number][] = [
      ['tunnel_connected_devices', 1],
      ['tunnel_devices{status="online"}', 1],
      ['tunnel_devices_heartbeat_within_seconds{within="30"}', 1],
      ['tunnel_devices_heartbeat_within_seconds{within="3600"}', 1],
      ['tunnel_build_info{version="0.1.0",node_version="' + process.version + '"}', 1],
    ];
    for (const [series, value] of exactly) expect(m.get(series), series).to.equal(value);
    const atLeast: [string, number][] = [
      ['tunnel_devices{status="offline"}', 1],
      ['tunnel_stream_opens_total{result="ok"}', 1],
      ['tunnel_stream_opens_total{result="connection-refused"}', 1],
      ['tunnel_stream_bytes_total{direction="to_device"}', 8],
      ['tunnel_auth_failures_total{kind="device",reason="ERR_AUTH_BAD_KEY"}', 1],
      ['tunnel_auth_failures_total{kind="user",reason="ERR_AUTH_MISSING_TOKEN"}', 1],
      ['tunnel_heartbeats_total', 1],
      ['tunnel_stream_open_duration_seconds_count{result="ok"}', 1],
      ['tunnel_stream_open_duration_seconds_count{result="connection-refused"}', 1],
      ['tunnel_device_handshake_duration_seconds_count{result="ok"}', 1],
      ['tunnel_device_handshake_duration_seconds_count{result="ERR_AUTH_BAD_KEY"}', 1],
      ['tunnel_device_connects_total', 1],
    ];
    for (const [series, least] of atLeast) expect(m.get(series), series).to.be.greaterThanOrEqual(least);
    // prom-client's process and runtime metrics.
    expect(m.get('process_resident_memory_bytes')).to.be.greaterThan(0);
    expect(m.get('nodejs_heap_size_used_bytes')).to.be.greaterThan(0);

    // The wrong-key device shows its failures to people, too.
    const view = JSON.parse((await apiGet(server, '/v1/devices/wrong-key', user.token)).text) as ListedDevice & { lastError: { code: string } };
    expect(view.authFailures).to.be.greaterThanOrEqual(1);
    expect(view.lastError.code).to.equal('ERR_AUTH_BAD_KEY');
  });

  it('/metrics passes promtool check metrics, and a device that leaves is counted by reason', async function () {
    const { server } = world;
    const leaving = await addDevice(server.dataDir, server.port, { name: 'leaving', extraArgs: ['--fleet', WORLD_FLEET] });
    const agent = startAgent(leaving.file, FAST_AGENT_ARGS);
    await agent.waitForLog((l) => l.msg === 'connected');
    await agent.kill('SIGTERM');
    const text = await eventually(async () => {
      const r = await apiGet(server, '/metrics', metricsToken);
      const disconnects = [...parseMetrics(r.text)].filter(([k]) => k.startsWith('tunnel_device_disconnects_total{'));
      return disconnects.length > 0 ? r.text : undefined;
    });
    const lint = await runProgram('promtool', ['check', 'metrics'], { input: text });
    expect(lint.code, lint.stdout + lint.stderr).to.equal(0);
  });

  it('answers /healthz and /readyz without a token, and the device count only with one', async () => {
    const { server, user } = world;
    expect(JSON.parse((await apiGet(server, '/healthz')).text)).to.deep.equal({ status: 'ok' });
    expect(JSON.parse((await apiGet(server, '/readyz')).text)).to.deep.equal({ status: 'ready' });
    expect(JSON.parse((await apiGet(server, '/readyz', 'tnl_wrong')).text)).to.deep.equal({ status: 'ready' });
    expect(JSON.parse((await apiGet(server, '/readyz', user.token)).text)).to.deep.equal({ status: 'ready', devices: 1 });
    const r = await run(SERVER_CLI, ['device', 'list', '--data', server.dataDir + '-typo']);
    expect(r.code, 'a mistyped --data is reported, not answered with an empty registry').to.equal(1);
  });
});
