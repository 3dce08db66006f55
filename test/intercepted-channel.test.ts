import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { expect } from 'chai';
import WebSocket from 'ws';
import { DEVICE_AUTH_VERSION, deviceSigner, transcript } from '@tunnel/protocol/auth';
import { WebSocketDuplex } from '@tunnel/protocol/transport';
import { TunnelSession } from '@tunnel/protocol/tunnel';
import { ConnectPath } from '@tunnel/protocol/wire';
import { deviceReady, startTunnel, useWorld } from './support/developer.js';
import { eventually, FAST_AGENT_ARGS, serverCaPem, startAgent } from './support/fixtures.js';
import { balenaRootCA, configVariant } from './support/hostile-fixtures.js';
import { countingReplier, exchange, freePort, NO_PROXY_ENV, tcpServer } from './support/network.js';
import { logErr, type LogLine, type Proc } from './support/processes.js';
import { type Direction, startTlsInterceptor, type TlsInterceptor } from './support/tls-interceptor.js';
import { unframeWebSocketStream } from './support/websocket-frames.js';

/** What a box would send to open a stream to a device port: a yamux SYN carrying the open request. */
function forgedOpen(streamId: number, port: number): Buffer {
  const request = Buffer.from(JSON.stringify({ v: 1, host: '127.0.0.1', port }), 'utf8');
  const payload = Buffer.concat([Buffer.from([request.length >> 8, request.length & 0xff]), request]);
  const header = Buffer.alloc(12);
  header.writeUInt8(0, 0); // version
  header.writeUInt8(0, 1); // Data
  header.writeUInt16BE(0x1, 2); // SYN
  header.writeUInt32BE(streamId, 4);
  header.writeUInt32BE(payload.length, 8);
  return Buffer.concat([header, payload]);
}

/** A port on "the device" (this machine) that counts who connects to it. */
async function countingTarget(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  const { port } = await tcpServer('127.0.0.1', (socket) => {
    n += 1;
    countingReplier(socket);
  });
  return { port, connections: () => n };
}

function seenByBox(box: TlsInterceptor): { toServer: Buffer; toDevice: Buffer } {
  return {
    toServer: unframeWebSocketStream(Buffer.concat(box.fromDevice.filter((b) => b.length > 0))),
    toDevice: unframeWebSocketStream(Buffer.concat(box.fromServer.filter((b) => b.length > 0))),
  };
}

describe('channel binding: a TLS-intercepting box the device trusts (agent processes)', function () {
  this.timeout(180_000);
  const world = useWorld();
  let box: TlsInterceptor;
  let agent: Proc;

  before(async () => {
    const caPem = serverCaPem(world.server);
    box = await startTlsInterceptor({ port: world.server.port, caPem });
  });
  after(() => box.close());

  it('direct: the agent reports the channel end to end and runs no secure layer', async () => {
    const connected = await world.agent.waitForLog((l) => l.msg === 'connected');
    expect(connected).to.include({ endToEnd: true, secureLayer: false });
    const accepted = await world.server.proc.waitForLog((l) => l.msg === 'device connected' && l.uuid === world.device.uuid);
    expect(accepted['secureLayer']).to.equal(false);
  });

  it('through the box: the agent detects it, the tunnel works through the secure layer, and the box reads no stream plaintext', async () => {
    await world.agent.kill();
    const from = world.server.proc.logs.length;
    agent = startAgent(throughBox(), FAST_AGENT_ARGS, { env: NO_PROXY_ENV });
    const connected = await agent.waitForLog((l) => l.msg === 'connected');
    expect(connected).to.include({ endToEnd: false, secureLayer: true });
    const warned = await agent.waitForLog((l) => l.level === 'warn' && String(l.msg).startsWith('TLS is not end to end'));
    expect(warned['secureLayer']).to.equal(true);
    await deviceReady(world.server, world.device.uuid, from);
    const accepted = await world.server.proc.waitForLog((l) => l.msg === 'device connected' && l.uuid === world.device.uuid, 30_000, from);
    expect(accepted['secureLayer']).to.equal(true);

    const target = await countingTarget();
    const local = await freePort();
    const tunnel = await startTunnel(world.user, world.device.uuid, ['-p', `${target.port}:${local}`]);
    const marker = 'MARKER-secret-stream-payload-7f3a';
    const payload = marker.repeat(1000);
    const answer = `got ${payload.length} bytes`;
    expect(await exchange(local, payload)).to.match(new RegExp(`^${answer} [0-9a-f]{64}$`));
    await tunnel.kill();

    const seen = seenByBox(box);
    // Controls: the box did read the handshake in clear and carried the stream's bytes (encrypted).
    expect(seen.toServer.toString('latin1')).to.contain('"type":"proof"');
    expect(seen.toDevice.toString('latin1')).to.contain('"type":"challenge"');
    expect(seen.toDevice.length).to.be.above(payload.length);
    expect(seen.toServer.includes(marker), 'the marker in device->server bytes').to.equal(false);
    expect(seen.toDevice.includes(marker), 'the marker in server->device bytes').to.equal(false);
    expect(seen.toServer.includes(answer), 'the reply in device->server bytes').to.equal(false);
  });

  it('a stream open the box forges: the device refuses it (ERR_CHANNEL_TAMPERED), nothing connects to the port', async () => {
    const target = await countingTarget();

    // Control: the same bytes open the port on a session without the secure layer (what a device ran before).
    const plain = await plainDeviceSession();
    plain.wire.write(forgedOpen(2, target.port));
    await eventually(() => (target.connections() === 1 ? true : undefined), 20_000, 'the forged open to reach the port');
    plain.close();

    const from = agent.logs.length;
    expect(box.injectToDevice(forgedOpen(1_000_000, target.port))).to.equal(1);
    const broken = await agent.waitForLog((l) => l.msg === 'secure channel broken: the session is closed', 30_000, from);
    expect(broken.level).to.equal('error');
    expect(broken['code']).to.equal('ERR_CHANNEL_TAMPERED');
    expect(logErr(broken).message).to.contain('failed authentication');
    // The agent starts over with a fresh session, which the box cannot join either.
    await agent.waitForLog((l) => l.msg === 'connected', 30_000, from);
    expect(target.connections(), 'connections to the device port after the forged open').to.equal(1);
  });

  it('a bit the box flips in a server->device record: the device closes the session with ERR_CHANNEL_TAMPERED', async () => {
    const broken = await afterTampering('toDevice', agent, 'secure channel broken: the session is closed');
    expect(broken['code']).to.equal('ERR_CHANNEL_TAMPERED');
  });

  it('a bit the box flips in a device->server record: the server closes the session with ERR_CHANNEL_TAMPERED', async () => {
    const broken = await afterTampering('toServer', world.server.proc, 'secure channel broken: session closed');
    expect(broken).to.include({ code: 'ERR_CHANNEL_TAMPERED', uuid: world.device.uuid });
    await agent.kill();
  });

  it('a box that strips the key share from the hello (a downgrade to the old handshake): the agent refuses to go on (ERR_AUTH_CHANNEL_UNBOUND)', async () => {
    box.rewriteTextToServer((text) => JSON.stringify({ ...(JSON.parse(text) as object), kx: undefined }));
    await neverConnects(async (stripped) => {
      const failed = await stripped.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_AUTH_CHANNEL_UNBOUND');
      expect(logErr(failed).message).to.contain('did not bind the session to its TLS channel');
    });
  });

  it('a box that turns the secure layer off in the proof: the server refuses the altered proof (ERR_AUTH_PROTOCOL), not the device key', async () => {
    box.rewriteTextToServer((text) => {
      const message = JSON.parse(text) as { type: string; secure?: boolean };
      return JSON.stringify(message.type === 'proof' ? { ...message, secure: false } : message);
    });
    const from = world.server.proc.logs.length;
    await neverConnects(async () => {
      const refused = await world.server.proc.waitForLog((l) => l.msg === 'device authentication failed' && l.uuid === world.device.uuid, 30_000, from);
      expect(refused['code']).to.equal('ERR_AUTH_PROTOCOL');
      expect(logErr(refused).message).to.contain('altered in transit');
    });
  });

  it("a box that passes its own TLS channel off as the server's: the server's signature does not cover it (ERR_AUTH_SERVER_IDENTITY)", async () => {
    box.rewriteTextToDevice((text, deviceTlsExporter) => {
      const message = JSON.parse(text) as { type: string; channel?: { tlsExporter: string } };
      if (message.type === 'challenge' && message.channel) message.channel.tlsExporter = deviceTlsExporter;
      return JSON.stringify(message);
    });
    await neverConnects((fooled) => fooled.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_AUTH_SERVER_IDENTITY'));
  });

  it('an agent from before channel binding (no key share in its hello) still connects and serves streams', async () => {
    const from = world.server.proc.logs.length;
    const old = await oldAgentSession();
    const accepted = await world.server.proc.waitForLog((l) => l.msg === 'device connected' && l.uuid === world.device.uuid, 30_000, from);
    expect(accepted['secureLayer']).to.equal(false);
    const target = await countingTarget();
    const local = await freePort();
    const tunnel = await startTunnel(world.user, world.device.uuid, ['-p', `${target.port}:${local}`]);
    expect(await exchange(local, 'from an old agent')).to.match(/^got 17 bytes /);
    await tunnel.kill();
    old.close();
  });

  /** Arms the box to flip a bit going one way, drives traffic through a tunnel, and waits for the side that notices to say so. */
  async function afterTampering(direction: Direction, noticer: Proc, message: string): Promise<LogLine> {
    await deviceReady(world.server, world.device.uuid, 0);
    const target = await countingTarget();
    const local = await freePort();
    // --wait: the previous test's broken session may still be closing while presence says online.
    const tunnel = await startTunnel(world.user, world.device.uuid, ['-p', `${target.port}:${local}`, '--wait']);
    const from = noticer.logs.length;
    let tampered = false;
    void box.tamperNext(direction).then(() => (tampered = true));
    // A session that is still reconnecting carries nothing to tamper with: keep sending until something is.
    await eventually(
      async () => {
        if (!tampered) await exchange(local, 'x'.repeat(10_000)).catch(() => '');
        return tampered || undefined;
      },
      30_000,
      'a record to tamper with',
    );
    const broken = await noticer.waitForLog((l) => l.msg === message, 30_000, from);
    await tunnel.kill();
    return broken;
  }

  /** Starts an agent through the box as it rewrites the handshake; check() sees the refusal; the agent must never connect. */
  async function neverConnects(check: (agent: Proc) => Promise<unknown>): Promise<void> {
    const refused = startAgent(throughBox(), FAST_AGENT_ARGS, { env: NO_PROXY_ENV });
    try {
      await check(refused);
      expect(refused.logs.filter((l) => l.msg === 'connected')).to.have.length(0);
    } finally {
      await refused.kill();
      box.rewriteTextToServer(null);
      box.rewriteTextToDevice(null);
    }
  }

  function throughBox(): string {
    return configVariant(world.device, { vpnPort: box.port, balenaRootCA: balenaRootCA(box.caPem) });
  }

  /** The device side of the handshake as agents before channel binding spoke it, then a plain session serving opens. */
  async function oldAgentSession(): Promise<{ close: () => void }> {
    const { uuid, deviceApiKey } = world.device.config;
    const ca = serverCaPem(world.server);
    const ws = new WebSocket(`wss://127.0.0.1:${world.server.port}${ConnectPath.Device}`, { ca, perMessageDeflate: false });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const next = (): Promise<Record<string, string>> =>
      new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')) as Record<string, string>)));
    const nonce = randomBytes(32).toString('base64url');
    const challenge = next();
    ws.send(JSON.stringify({ type: 'hello', v: DEVICE_AUTH_VERSION, uuid, nonce, agentVersion: 'before-channel-binding' }));
    const c = await challenge;
    expect(c['channel'], 'a channel offer to an agent that did not ask').to.equal(undefined);
    const fields = { uuid, deviceNonce: nonce, serverNonce: c['nonce']!, sessionId: c['sessionId']!, serverKey: c['serverKey']! };
    const welcome = next();
    ws.send(JSON.stringify({ type: 'proof', signature: deviceSigner(deviceApiKey).sign(transcript('device', fields)), clockOffsetMs: 0 }));
    expect((await welcome)['type']).to.equal('welcome');
    const session = new TunnelSession(new WebSocketDuplex(ws), { role: 'client' });
    session.serve(async (request) => ({ stream: net.connect(request.port, request.host) }));
    return { close: () => session.close() };
  }
});

/** A device-side tunnel session over a real loopback connection, serving opens as the agent does, with no secure layer. */
async function plainDeviceSession(): Promise<{ wire: net.Socket; close: () => void }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const wire = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const deviceSide = await accepted;
  listener.close();
  const session = new TunnelSession(deviceSide, { role: 'client' });
  session.serve(async (request) => ({ stream: net.connect(request.port, request.host) }));
  return {
    wire,
    close: () => {
      session.close();
      wire.destroy();
    },
  };
}
