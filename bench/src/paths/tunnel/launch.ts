import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../repo.js';
import type { LaunchCommand, ServerCertificate, TunnelLaunchCommands, TunnelLaunchContext } from './types.js';

export const SERVER_CLI = 'packages/tunnel-server/dist/src/cli.js';
export const CLIENT_CLI = 'packages/tunnel-client/dist/src/cli.js';
/**
 * The agent as devices get it (`npm run bundle`, which `npm run bench` runs first): one file, no
 * node_modules. Loading the same code as ~60 separate modules costs the agent ~9 MB more RSS.
 */
export const DEVICE_AGENT = 'packages/tunnel-client/bundle/tunnel-client.mjs';

/**
 * Proxy settings of whoever runs the bench must not route loopback traffic elsewhere, and a
 * stored `tunnel-client login` must not leak in: every product process gets this environment.
 */
export function productEnv(context: TunnelLaunchContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(https?|all|no)_proxy$/i.test(k) && !k.startsWith('TUNNEL_')) env[k] = v;
  }
  env['XDG_CONFIG_HOME'] = path.join(context.workDir, 'config');
  env['LOG_LEVEL'] = 'info';
  return env;
}

/**
 * For profiling the long-running product processes under the bench's load, e.g.
 * BENCH_PRODUCT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" (node refuses --cpu-prof in
 * NODE_OPTIONS, so these go on the command line; one-shot steps do without, their stdout is data).
 */
function nodeArgs(): string[] {
  return (process.env['BENCH_PRODUCT_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
}

export function node(script: string, args: readonly string[], context: TunnelLaunchContext, extraEnv: Record<string, string> = {}): LaunchCommand {
  return { command: process.execPath, args: [...nodeArgs(), path.join(repoRoot(), script), ...args], env: { ...productEnv(context), ...extraEnv } };
}

export function oneShot(script: string, args: readonly string[], context: TunnelLaunchContext, stdoutFile: string): LaunchCommand {
  return { command: process.execPath, args: [path.join(repoRoot(), script), ...args], env: productEnv(context), stdoutFile };
}

function deviceAdd(c: TunnelLaunchContext, name: string): LaunchCommand {
  return oneShot(SERVER_CLI, ['device', 'add', '--data', c.dataDir, '--name', name, '--endpoint', `127.0.0.1:${c.serverPort}`], c, c.files.deviceConfig);
}

/** The product as its README says to run it: the built CLIs of this checkout, started with node. */
export function productLaunch(certificate?: (context: TunnelLaunchContext) => Promise<ServerCertificate | undefined>): TunnelLaunchCommands {
  return {
    ...(certificate === undefined ? {} : { certificate }),
    server: (c, cert) =>
      node(SERVER_CLI, ['start', '--data', c.dataDir, '--host', '127.0.0.1', '--port', String(c.serverPort), ...(cert === undefined ? [] : ['--cert', cert.cert, '--key', cert.key])], c),
    provisionDevice: (c, name) => deviceAdd(c, name),
    prepare: (c, cert) => [
      deviceAdd(c, 'bench-device'),
      oneShot(SERVER_CLI, ['user', 'add', 'bench', '--role', 'admin', '--data', c.dataDir], c, c.files.token),
      ...(cert === undefined ? [oneShot(SERVER_CLI, ['ca', '--data', c.dataDir], c, c.files.ca)] : []),
    ],
    // The targets listen on 127.0.0.1, which the device's default policy allows.
    agent: (c) => node(DEVICE_AGENT, ['agent', '--config', c.files.deviceConfig], c),
    cli: (c) => {
      const uuid = (JSON.parse(fs.readFileSync(c.files.deviceConfig, 'utf8')) as { uuid: string }).uuid;
      const token = fs.readFileSync(c.files.token, 'utf8').trim();
      return node(
        CLIENT_CLI,
        ['device', 'tunnel', uuid, '-p', `${c.targets.echo.port}:${c.localPorts.echo}`, '-p', `${c.targets.sink.port}:${c.localPorts.sink}`],
        c,
        { TUNNEL_SERVER: `https://127.0.0.1:${c.serverPort}`, TUNNEL_TOKEN: token, TUNNEL_CA: c.files.ca },
      );
    },
  };
}
