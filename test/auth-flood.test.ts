import https from 'node:https';
import { expect } from 'chai';
import WebSocket from 'ws';
import { DEVICE_AUTH_VERSION, HEARTBEAT_CHALLENGE_PATH, HEARTBEAT_PATH } from '@tunnel/protocol/auth';
import { ConnectPath } from '@tunnel/protocol/wire';
import { deviceList, eventually, FAST_AGENT_ARGS, serverCaPem, startAgent, startServerWithDevice, type ServerHandle } from './support/fixtures.js';
import { cleanup } from './support/processes.js';

/** The flooder's address: another host as far as the server can tell (Linux routes all of 127/8 to lo). */
const ATTACKER = '127.0.0.2';
const BOGUS_SIGNATURE = Buffer.alloc(64).toString('base64url');

/** One device handshake with a made-up signature; resolves with the server's error code. */
function badProof(server: ServerHandle, uuid: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const tls = { ca: serverCaPem(server), servername: 'localhost', localAddress: ATTACKER };
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}${ConnectPath.Device}`, tls);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: DEVICE_AUTH_VERSION, uuid, nonce: 'n'.repeat(43), agentVersion: 'flood' })));
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as { type: string; code?: string };
      if (msg.type === 'challenge') ws.send(JSON.stringify({ type: 'proof', signature: BOGUS_SIGNATURE, clockOffsetMs: 0 }));
      else if (msg.type === 'error') resolve(msg.code ?? '');
    });
    ws.on('close', () => resolve('closed'));
    ws.on('error', reject);
  });
}

function call(server: ServerHandle, method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: server.port, path: urlPath, method, ca: serverCaPem(server), servername: 'localhost', localAddress: ATTACKER, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** One heartbeat with a real challenge and a made-up signature; resolves with the HTTP status. */
async function badHeartbeat(server: ServerHandle, uuid: string): Promise<number> {
  const challenge = await call(server, 'GET', `${HEARTBEAT_CHALLENGE_PATH}?uuid=${uuid}`);
  const report = { uuid, nonce: challenge.json['nonce'], intervalMs: 60_000, agentVersion: 'flood', signature: BOGUS_SIGNATURE };
  return (await call(server, 'POST', HEARTBEAT_PATH, report)).status;
}

describe('a flood of bad proofs for a known uuid (real server and agent)', function () {
  this.timeout(180_000);
  after(cleanup);

  it('does not lock out the genuine device: it connects and heartbeats while another source fails for its uuid', async () => {
    const { server, device } = await startServerWithDevice('victim');

    const first = await Promise.all([...Array.from({ length: 15 }, () => badProof(server, device.uuid)), ...Array.from({ length: 5 }, () => badHeartbeat(server, device.uuid))]);

    // The flood goes on while the genuine agent comes up.
    let flooding = true;
    const flood = (async () => {
      while (flooding) await Promise.all([badProof(server, device.uuid), badHeartbeat(server, device.uuid)]);
    })();
    try {
      const agent = startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '1s']);
      await agent.waitForLog((l) => l.msg === 'connected', 30_000);
      await eventually(async () => ((await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid)?.status === 'online' ? true : undefined), 30_000, 'online');
      // Several heartbeat intervals under the flood.
      await new Promise((r) => setTimeout(r, 5_000));
      expect(agent.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('heartbeat failed')), 'no heartbeat was refused').to.have.length(0);
      expect((await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid)?.status).to.equal('online');
      expect(agent.logs.filter((l) => l.code === 'ERR_AUTH_RATE_LIMITED'), 'the genuine agent was never refused').to.have.length(0);
      expect(agent.logs.filter((l) => l.msg === 'connection failed'), 'its first attempt succeeded').to.have.length(0);
    } finally {
      flooding = false;
      await flood;
    }
    expect(first, 'each bad proof is told so (the source stays under its limit)').to.deep.equal([...Array(15).fill('ERR_AUTH_BAD_KEY'), ...Array(5).fill(401)]);
    const failures = server.proc.logs.filter((l) => l.msg === 'device authentication failed' && l.uuid === device.uuid && l.remoteAddress === ATTACKER);
    expect(failures.length, 'the flood reached the server').to.be.greaterThan(15);
  });
});
