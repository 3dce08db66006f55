import { expect } from 'chai';
import net from 'node:net';
import { startTunnel, useWorld } from './support/developer.js';
import { controlSocketOf, deviceList } from './support/fixtures.js';
import { runDiagnose } from './support/hostile-fixtures.js';
import { expectLogSchema } from './support/log-schema.js';
import { freePort, tcpServer } from './support/network.js';

/** Sends a line and resolves with the echo of it. */
function echoOf(socket: net.Socket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer): void => {
      seen += c.toString();
      if (!seen.includes('\n')) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(seen);
    };
    const onClose = (): void => reject(new Error(`the stream closed before the echo of ${JSON.stringify(line)}`));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(`${line}\n`);
  });
}

describe('diagnose next to a running agent (real server, agent, tunnel and diagnose processes)', function () {
  this.timeout(180_000);
  const world = useWorld();

  it('reports the running agent\'s state and tests the connection without touching its session or its streams', async () => {
    const { server, device, agent, user } = world;
    const { port: echoPort } = await tcpServer('127.0.0.1', (socket) => socket.pipe(socket));
    const local = await freePort();
    await startTunnel(user, device.uuid, ['-p', `${echoPort}:${local}`]);
    const stream = net.connect({ host: '127.0.0.1', port: local });
    stream.on('error', () => undefined);
    expect(await echoOf(stream, 'before diagnose')).to.equal('before diagnose\n');
    const session = agent.logs.filter((l) => l.msg === 'connected').at(-1)?.['sessionId'];
    const serverFrom = server.proc.logs.length;
    const agentFrom = agent.logs.length;

    // diagnose finds the agent's socket the way the agent chose it: TUNNEL_CONTROL_SOCKET.
    const result = await runDiagnose(device.file, { env: { TUNNEL_CONTROL_SOCKET: controlSocketOf(device.file) } });
    expect(result.checks.filter((c) => c.status !== 'PASS'), JSON.stringify(result.checks, null, 2)).to.deep.equal([]);
    expect(result.check('agent').detail).to.match(new RegExp(`^the running agent \\(pid ${agent.pid}, .*\\) is connected: session ${String(session)} since \\S+; heartbeat last sent \\S+`));
    expect(result.check('auth').status).to.equal('PASS');
    expect(result.check('round-trip').status).to.equal('PASS');

    // The same stream still carries data both ways, and nobody reconnected.
    expect(await echoOf(stream, 'after diagnose')).to.equal('after diagnose\n');
    expect(agent.logs.slice(agentFrom).filter((l) => l.msg === 'disconnected' || l.msg === 'connected')).to.deep.equal([]);
    const serverLines = server.proc.logs.slice(serverFrom);
    expect(serverLines.filter((l) => String(l.msg).startsWith('device reconnected') || l.msg === 'device connected')).to.deep.equal([]);
    expect(serverLines.some((l) => String(l.msg).startsWith('device connection test authenticated') && l.uuid === device.uuid)).to.equal(true);
    expect((await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid)?.vpn.sessionId).to.equal(session);
    stream.destroy();
    expectLogSchema(agent.logs, 'agent');
  });
});
