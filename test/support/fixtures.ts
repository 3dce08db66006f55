import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEV_PKI_FILES } from '@tunnel/protocol/dev-pki';
import { cleanup, CLIENT_CLI, run, SERVER_CLI, spawnNode, tempDir, type Proc } from './processes.js';

export interface ServerHandle {
  proc: Proc;
  port: number;
  dataDir: string;
}

/** Starts `tunnel-server start` on a free loopback port with its own data directory. */
export async function startServer(options: { dataDir?: string; port?: number; args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ServerHandle> {
  const dataDir = options.dataDir ?? tempDir('tunnel-data-');
  const proc = spawnNode(SERVER_CLI, ['start', '--data', dataDir, '--host', '127.0.0.1', '--port', String(options.port ?? 0), ...(options.args ?? [])], {
    env: options.env,
  });
  const line = await proc.waitForLog((l) => l.msg === 'tunnel server listening');
  return { proc, port: line['port'] as number, dataDir };
}

/** The server's CA certificate (PEM), the one anchor a client of a test server trusts. */
export function serverCaPem(server: ServerHandle): string {
  return readFileSync(path.join(server.dataDir, DEV_PKI_FILES.caCert), 'utf8');
}

export interface DeviceConfigJson {
  uuid: string;
  deviceApiKey: string;
  vpnEndpoint: string;
  vpnPort: number;
  apiEndpoint: string;
  serverCA: string;
  serverIdentityKey: string;
  [key: string]: unknown;
}

export interface DeviceHandle {
  config: DeviceConfigJson;
  /** config.json written to a temp dir. */
  file: string;
  uuid: string;
}

/** `tunnel-server device add`, with the config written to a file the agent can use. */
export async function addDevice(dataDir: string, port: number, options: { name?: string; extraArgs?: string[]; configOverrides?: Record<string, unknown> } = {}): Promise<DeviceHandle> {
  const args = ['device', 'add', '--data', dataDir, '--endpoint', `127.0.0.1:${port}`];
  if (options.name) args.push('--name', options.name);
  const r = await run(SERVER_CLI, [...args, ...(options.extraArgs ?? [])]);
  if (r.code !== 0) throw new Error(`device add failed: ${r.stderr}`);
  const config = { ...(JSON.parse(r.stdout) as DeviceConfigJson), ...options.configOverrides };
  const file = path.join(tempDir('tunnel-device-'), 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return { config, file, uuid: config.uuid };
}

export interface ServerWithDevice {
  server: ServerHandle;
  device: DeviceHandle;
}

/** A server with one device registered on it (named `deviceName` when given); no agent runs yet. */
export async function startServerWithDevice(deviceName?: string, serverOptions: Parameters<typeof startServer>[0] = {}): Promise<ServerWithDevice> {
  const server = await startServer(serverOptions);
  return { server, device: await addDevice(server.dataDir, server.port, deviceName === undefined ? {} : { name: deviceName }) };
}

/**
 * A ServerWithDevice for a whole suite: started in before(), every process of the suite stopped in
 * after(). The object is filled in place, so tests read it once the suite has started.
 */
export function useServerWithDevice(deviceName?: string, serverOptions: Parameters<typeof startServer>[0] = {}): ServerWithDevice {
  const fixture = {} as ServerWithDevice;
  before(async () => {
    Object.assign(fixture, await startServerWithDevice(deviceName, serverOptions));
  });
  after(cleanup);
  return fixture;
}

/** Short backoff and keepalive so tests observe reconnects in seconds, not minutes. */
export const FAST_AGENT_ARGS = ['--backoff-base', '200ms', '--backoff-cap', '2s', '--keepalive-interval', '1s', '--keepalive-timeout', '3s'];

/** Where startAgent's agent serves its control socket: next to its config, so the test's cleanup removes it. */
export function controlSocketOf(configFile: string): string {
  return path.join(path.dirname(configFile), 'agent.sock');
}

export function startAgent(configFile: string, args: string[] = FAST_AGENT_ARGS, options: { env?: NodeJS.ProcessEnv; wrapper?: string[] } = {}): Proc {
  const env = { TUNNEL_CONTROL_SOCKET: controlSocketOf(configFile), ...options.env };
  return spawnNode(CLIENT_CLI, ['agent', '--config', configFile, ...args], { ...options, env });
}

export async function deviceList(dataDir: string): Promise<Array<{ uuid: string; name: string; status: string; vpn: { connected: boolean; sessionId: string | null } }>> {
  const r = await run(SERVER_CLI, ['device', 'list', '--data', dataDir, '--json']);
  if (r.code !== 0) throw new Error(`device list failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Array<{ uuid: string; name: string; status: string; vpn: { connected: boolean; sessionId: string | null } }>;
}

/** Polls until check() returns a value (not undefined), or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
