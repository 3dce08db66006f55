import { writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { addDevice, FAST_AGENT_ARGS, serverCaPem, startAgent, startServer, type DeviceHandle, type ServerHandle } from './fixtures.js';
import { cleanupServers } from './network.js';
import { cleanup, CLIENT_CLI, Proc, run, SERVER_CLI, spawnNode, tempDir } from './processes.js';

export interface UserHandle {
  name: string;
  token: string;
  /** TUNNEL_SERVER, TUNNEL_TOKEN, TUNNEL_CA for this user, and an empty config dir of their own. */
  env: NodeJS.ProcessEnv;
  caFile: string;
}

/** `tunnel-server ca` written to a file, as a developer would save it. */
export async function serverCaFile(server: ServerHandle): Promise<string> {
  const r = await run(SERVER_CLI, ['ca', '--data', server.dataDir]);
  if (r.code !== 0) throw new Error(`ca failed: ${r.stderr}`);
  const file = path.join(tempDir('tunnel-ca-'), 'ca.pem');
  writeFileSync(file, r.stdout);
  return file;
}

/** The fleet a World's device belongs to; developers added by addUser join it when it exists. */
export const WORLD_FLEET = 'lab';

/** `tunnel-server user add`, with the token it prints once. */
export async function addUser(server: ServerHandle, name = 'dev', role = 'developer'): Promise<UserHandle> {
  const r = await run(SERVER_CLI, ['user', 'add', name, '--role', role, '--data', server.dataDir]);
  if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
  if (role === 'developer') {
    // Developers reach the devices of their fleets: join the World's fleet if this server has it.
    const member = await run(SERVER_CLI, ['fleet', 'member', 'add', WORLD_FLEET, name, '--data', server.dataDir]);
    if (member.code !== 0 && !member.stderr.includes('fleet')) throw new Error(`fleet member add failed: ${member.stderr}`);
  }
  const token = r.stdout.trim();
  const caFile = await serverCaFile(server);
  return {
    name,
    token,
    caFile,
    env: { TUNNEL_SERVER: `https://127.0.0.1:${server.port}`, TUNNEL_TOKEN: token, TUNNEL_CA: caFile, XDG_CONFIG_HOME: tempDir('tunnel-xdg-') },
  };
}

/** `tunnel-client device tunnel …`, resolved once it printed "Waiting for connections...". */
export async function startTunnel(user: UserHandle, device: string, args: string[], env: NodeJS.ProcessEnv = {}, executable?: string): Promise<Proc> {
  const proc = spawnClient(user, ['device', 'tunnel', device, ...args], env, executable);
  await proc.waitForStdout('Waiting for connections...');
  return proc;
}

/** Runs the built CLI with node, or `executable` (a single-executable tunnel-client) when given. */
export function spawnClient(user: UserHandle, args: string[], env: NodeJS.ProcessEnv = {}, executable?: string): Proc {
  const options = { env: { ...user.env, ...env } };
  return executable === undefined ? spawnNode(CLIENT_CLI, args, options) : new Proc(executable, args, options);
}

export function runClient(user: UserHandle, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): ReturnType<typeof run> {
  return run(CLIENT_CLI, args, { env: { ...user.env, ...env }, ...(timeoutMs ? { timeoutMs } : {}) });
}

/**
 * Waits until the server can open streams to the device: its 'device connected' log comes after
 * the session is registered, while the agent's own 'connected' can come a moment earlier.
 */
export async function deviceReady(server: ServerHandle, uuid: string, from = 0): Promise<void> {
  await server.proc.waitForLog((l) => l.msg === 'device connected' && l.uuid === uuid, 30_000, from);
}

export interface World {
  server: ServerHandle;
  device: DeviceHandle;
  agent: Proc;
  user: UserHandle;
}

/** A server, one registered device with its agent connected, and a developer. */
export async function startWorld(options: { agentArgs?: string[]; deviceName?: string; serverArgs?: string[] } = {}): Promise<World> {
  const server = await startServer({ args: options.serverArgs ?? [] });
  const fleet = await run(SERVER_CLI, ['fleet', 'add', WORLD_FLEET, '--data', server.dataDir]);
  if (fleet.code !== 0) throw new Error(`fleet add failed: ${fleet.stderr}`);
  const device = await addDevice(server.dataDir, server.port, { name: options.deviceName ?? 'pi-1', extraArgs: ['--fleet', WORLD_FLEET] });
  const agent = startAgent(device.file, [...FAST_AGENT_ARGS, ...(options.agentArgs ?? [])]);
  await deviceReady(server, device.uuid);
  const user = await addUser(server);
  return { server, device, agent, user };
}

/**
 * A World for a whole suite: started in before(), every process and test server of the suite
 * stopped in after(). The object is filled in place, so tests may read it (and swap its agent).
 */
export function useWorld(options: Parameters<typeof startWorld>[0] | (() => Promise<Parameters<typeof startWorld>[0]>) = {}): World {
  const world = {} as World;
  before(async () => {
    Object.assign(world, await startWorld(typeof options === 'function' ? await options() : options));
  });
  after(async () => {
    await cleanup();
    await cleanupServers();
  });
  return world;
}

/** A GET to the server's HTTPS listener with a user's token (or none), trusting the server's CA. */
export function apiGet(server: ServerHandle, urlPath: string, token?: string): Promise<{ status: number; text: string; contentType: string }> {
  const ca = serverCaPem(server);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const req = https.request({ host: '127.0.0.1', port: server.port, path: urlPath, ca, servername: 'localhost', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, contentType: String(res.headers['content-type'] ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}
