/**
 * Many devices in one process, for scenarios 5 and 6: each simulated device is the real client
 * code (the agent's dial, TLS with the certificate checked, the challenge-response handshake with
 * its own Ed25519 key, a TunnelSession with keepalives), only without an agent process per device.
 * Every session leaves from its own loopback source address, as devices come from their own IPs.
 *
 *   node device-simulator.js --data <server data dir> --config <a device's config.json>
 *                            [--registry postgres://...] [--endpoints host:port,host:port,...]
 *
 * With --registry the devices go into a cluster's shared registry; with --endpoints device i
 * dials endpoint i mod n (the nodes of a cluster), otherwise the config's endpoint.
 *
 * Driven over IPC by simulator-client.ts; exits when the channel closes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { checkTranscriptSignature, keyPairSigner, type TranscriptSigner } from '@tunnel/protocol/auth';
import { tlsExporter } from '@tunnel/protocol/channel';
import { deriveDeviceKeyPair } from '@tunnel/protocol/trust';
import { OpenError, OpenResult, TunnelSession } from '@tunnel/protocol/tunnel';
import { openConfiguredRegistry } from 'tunnel-server';
import { deviceHandshake, dialDevice, loadProxyConfig, readConfigFile, resolveDeviceConfig, type DeviceConfig } from 'tunnel-client';
import type WebSocket from 'ws';
import { openMany } from '../net/loopback-sources.js';
import { populationOpened } from './procedures.js';
import { isSimulatorRequest, type SimulatorReply, type SimulatorRequest } from './simulator-messages.js';

/** As the real agent's defaults: what the server must carry for every idle device. */
const KEEPALIVE = { keepAliveInterval: 15_000, keepAliveTimeout: 30_000 } as const;
const CONNECT_TIMEOUT_MS = 60_000;

interface SimDevice {
  readonly uuid: string;
  readonly deviceApiKey: string;
  /** Derived once, as the agent derives its key once at start-up rather than per connection. */
  readonly signer: TranscriptSigner;
}

interface SimSession {
  readonly session: TunnelSession;
  readonly ws: WebSocket;
}

const { values } = parseArgs({ options: { data: { type: 'string' }, config: { type: 'string' }, registry: { type: 'string' }, endpoints: { type: 'string' } }, strict: true });
if (values.data === undefined || values.config === undefined) throw new Error('usage: device-simulator --data DIR --config FILE [--registry URL] [--endpoints host:port,...]');
const dataDir = values.data;
const registryUrl = values.registry;
const base: DeviceConfig = resolveDeviceConfig(readConfigFile(values.config));
const endpoints = (values.endpoints?.split(',') ?? [`${base.vpnEndpoint}:${base.vpnPort}`]).map(endpoint);
// The simulator talks to the server on loopback; whatever proxy the caller's environment names is not in the picture.
const noProxy = loadProxyConfig({ env: {} });
const seed = randomBytes(16);
const devices: SimDevice[] = [];
const sessions: SimSession[] = [];

function send(reply: SimulatorReply): void {
  process.send?.(reply);
}

/** Device i's key, derived from this run's seed: 64 hex characters, as `device add` issues them. */
function deviceKey(i: number): string {
  return createHash('sha256').update(seed).update(String(i)).digest('hex');
}

function endpoint(hostPort: string): { vpnEndpoint: string; vpnPort: number } {
  const at = hostPort.lastIndexOf(':');
  const vpnPort = Number(hostPort.slice(at + 1));
  if (at < 1 || !Number.isInteger(vpnPort)) throw new Error(`--endpoints: ${JSON.stringify(hostPort)} is not host:port`);
  return { vpnEndpoint: hostPort.slice(0, at), vpnPort };
}

/** Registers devices straight into the registry: 5,000 `device add` processes would take minutes. */
async function provision(count: number): Promise<void> {
  const registry = await openConfiguredRegistry({ dataDir, create: false, ...(registryUrl === undefined ? {} : { url: registryUrl }) });
  try {
    for (let i = devices.length; i < count; i++) {
      const deviceApiKey = deviceKey(i);
      const keys = deriveDeviceKeyPair(deviceApiKey);
      const record = await registry.devices.create({ name: `sim-${i}`, fleet: null, authPublicKey: keys.publicKeyString });
      devices.push({ uuid: record.uuid, deviceApiKey, signer: keyPairSigner(keys) });
    }
  } finally {
    await registry.close();
  }
}

async function refuse(): Promise<never> {
  throw new OpenError(OpenResult.PortNotAllowed, 'a simulated device serves no ports');
}

async function openSession(index: number, source: string): Promise<SimSession> {
  const device = devices[index]!;
  const config: DeviceConfig = { ...base, ...endpoints[index % endpoints.length]!, uuid: device.uuid, deviceApiKey: device.deviceApiKey };
  const { ws, tlsSocket } = await dialDevice(config, { timeoutMs: CONNECT_TIMEOUT_MS, proxy: noProxy, localAddress: source });
  try {
    const auth = await deviceHandshake(ws, {
      uuid: device.uuid,
      signer: device.signer,
      pinnedServerKey: config.serverIdentityKey,
      verify: checkTranscriptSignature,
      agentVersion: 'bench-simulator',
      timeoutMs: CONNECT_TIMEOUT_MS,
      tlsExporter: tlsExporter(tlsSocket),
    });
    const session = new TunnelSession(auth.channel, { role: 'client', yamux: KEEPALIVE });
    session.serve(refuse);
    return { session, ws };
  } catch (err) {
    ws.terminate();
    throw err;
  }
}

async function closeAll(): Promise<void> {
  const closing = sessions.splice(0).map(
    ({ session, ws }) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) {
          resolve();
          return;
        }
        const timer = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 10_000);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        session.close();
      }),
  );
  await Promise.all(closing);
}

/** A refused or failed device retries as the agent does at its defaults (--backoff-base 1s, --backoff-cap 60s). */
const AGENT_BACKOFF = { baseMs: 1_000, capMs: 60_000 };

async function handle(request: SimulatorRequest): Promise<SimulatorReply> {
  const started = process.hrtime.bigint();
  const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
  switch (request.type) {
    case 'provision':
      await provision(request.count);
      return { type: 'provisioned', count: devices.length, seconds: seconds() };
    case 'open': {
      if (request.count > devices.length) throw new Error(`asked to open ${request.count} sessions, only ${devices.length} devices provisioned`);
      const r = await openMany({ count: request.count, concurrency: request.concurrency, perSource: 1, deadlineMs: request.deadlineMs, retry: AGENT_BACKOFF }, openSession);
      sessions.push(...r.opened);
      return {
        type: 'opened',
        ...populationOpened(r),
      };
    }
    case 'close':
      await closeAll();
      return { type: 'closed', seconds: seconds() };
  }
}

process.on('message', (message: unknown) => {
  if (!isSimulatorRequest(message)) {
    send({ type: 'error', message: `not a simulator request: ${JSON.stringify(message)}` });
    return;
  }
  handle(message).then(send, (err: unknown) => send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
