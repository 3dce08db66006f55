import { expect } from 'chai';
import { eventually, FAST_AGENT_ARGS, startAgent, startServerWithDevice } from './support/fixtures.js';
import { configVariant } from './support/hostile-fixtures.js';
import { expectLogSchema } from './support/log-schema.js';
import { cleanup, logErr, run, SERVER_CLI, type LogLine, type Proc } from './support/processes.js';
import { startTcpRelay } from './support/tcp-relay.js';

interface ListedWithError {
  uuid: string;
  vpn: { connected: boolean; sessionId: string | null };
  lastError: { code: string; message: string } | null;
}

async function listed(dataDir: string, uuid: string): Promise<ListedWithError | undefined> {
  const r = await run(SERVER_CLI, ['device', 'list', '--data', dataDir, '--json']);
  return (JSON.parse(r.stdout) as ListedWithError[]).find((d) => d.uuid === uuid);
}

const isDuplicate = (l: LogLine): boolean => l.msg === 'connection failed' && l.code === 'ERR_AUTH_DUPLICATE_DEVICE';
const lastConnected = (agent: Proc): LogLine | undefined => agent.logs.filter((l) => l.msg === 'connected').at(-1);

describe('duplicate device (two real agents on one config.json)', function () {
  this.timeout(120_000);
  after(cleanup);

  it('keeps the established session, refuses the other agent with "duplicate device", which backs off long, and says so in the status API', async () => {
    const { server, device } = await startServerWithDevice('twin');
    const first = startAgent(device.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);
    await first.waitForLog((l) => l.msg === 'connected');
    const second = startAgent(device.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);

    // They take turns a few times, until the server sees the pattern and keeps whoever holds the session.
    const refused = await eventually(() => [first, second].find((a) => a.logs.some(isDuplicate)), 60_000, 'a duplicate refusal');
    const kept = refused === first ? second : first;
    const refusal = refused.logs.find(isDuplicate)!;
    expect(logErr(refusal).message).to.match(/^duplicate device: another agent with the config of device [0-9a-f]{32} is connected/);
    const backoff = refused.logs.find((l) => typeof l['retryInMs'] === 'number' && refused.logs.indexOf(l) > refused.logs.indexOf(refusal));
    expect(backoff?.['retryInMs'], 'the refused agent waits what the server asked').to.be.at.least(4 * 60_000);
    await server.proc.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('duplicate device') && l.uuid === device.uuid);

    // The established session stays: no more flapping on either side.
    const keptSession = await eventually(() => {
      const connected = lastConnected(kept);
      const disconnected = kept.logs.filter((l) => l.msg === 'disconnected').at(-1);
      return connected && (!disconnected || kept.logs.indexOf(connected) > kept.logs.indexOf(disconnected)) ? connected['sessionId'] : undefined;
    });
    const settled = { kept: kept.logs.length, refused: refused.logs.filter((l) => l.msg === 'connected').length };
    await new Promise((r) => setTimeout(r, 5_000));
    expect(kept.logs.slice(settled.kept).filter((l) => l.msg === 'disconnected' || l.msg === 'connected')).to.deep.equal([]);
    expect(refused.logs.filter((l) => l.msg === 'connected')).to.have.length(settled.refused);

    const view = await listed(server.dataDir, device.uuid);
    expect(view?.vpn.sessionId).to.equal(keptSession);
    expect(view?.lastError?.code).to.equal('ERR_AUTH_DUPLICATE_DEVICE');
    expect(view?.lastError?.message).to.contain('duplicate device');
    expectLogSchema(server.proc.logs, 'server');
    expectLogSchema(first.logs, 'first agent');
    expectLogSchema(second.logs, 'second agent');
  });

  it('still lets a genuine reconnect replace a session that died silently, however often it happens', async () => {
    const { server, device } = await startServerWithDevice('roamer');
    const relay = await startTcpRelay(server.port);
    try {
      const agent = startAgent(configVariant(device, { vpnPort: relay.port }), [...FAST_AGENT_ARGS, '--no-heartbeat']);
      await agent.waitForLog((l) => l.msg === 'connected');
      // More network changes in a minute than the duplicate rule counts: each old session is dead, not a twin.
      for (let change = 1; change <= 4; change++) {
        const from = agent.logs.length;
        relay.freezeOpen();
        await agent.waitForLog((l) => l.msg === 'disconnected', 30_000, from);
        const reconnected = await agent.waitForLog((l) => l.msg === 'connected' || isDuplicate(l), 30_000, from);
        expect(reconnected.msg, `network change ${change}: ${JSON.stringify(reconnected)}`).to.equal('connected');
      }
      expect(agent.logs.filter(isDuplicate)).to.deep.equal([]);
      expect(server.proc.logs.filter((l) => l.msg === 'device reconnected; closing its previous session').length).to.be.at.least(3);
      expect(server.proc.logs.filter((l) => l.code === 'ERR_AUTH_DUPLICATE_DEVICE')).to.deep.equal([]);
    } finally {
      await relay.close();
    }
  });
});
