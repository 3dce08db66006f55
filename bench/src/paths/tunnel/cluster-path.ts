/**
 * The product as a cluster: the device's agent on node 1, the developer's `device tunnel` on
 * node 2, every stream relayed node 2 -> node 1 over their link. Next to the `tunnel` path (same
 * code, one node) the ratio is what the hop costs. Needs PostgreSQL and Redis on loopback (as the
 * cluster tests do: BENCH_POSTGRES, BENCH_REDIS override the URLs); skipped when they do not answer.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../net/free-port.js';
import { stopProcess } from '../../proc/children.js';
import { unlessExited } from '../../proc/unless-exited.js';
import type { TargetEndpoints } from '../../targets/launch.js';
import { waitListening, waitPathReady } from '../ready.js';
import type { BenchPath, PathContext, PathSetup } from '../types.js';
import { CLIENT_CLI, DEVICE_AGENT, node, oneShot, productEnv, SERVER_CLI } from './launch.js';
import { waitForLogLine } from './log-watch.js';
import { runStep, start } from './path.js';
import type { TunnelLaunchContext } from './types.js';

const READY_MS = 30_000;
const POSTGRES = process.env['BENCH_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env['BENCH_REDIS'] ?? 'redis://127.0.0.1:6379';
const exec = promisify(execFile);

/** A database and key prefix of its own, dropped on teardown. */
async function clusterStores(): Promise<{ registry: string; presence: string; drop(): Promise<void> }> {
  const name = `bench_cluster_${process.pid}_${randomBytes(3).toString('hex')}`;
  await exec('psql', [POSTGRES, '-qc', `CREATE DATABASE ${name}`]);
  const registry = new URL(POSTGRES);
  registry.pathname = `/${name}`;
  const presence = new URL(REDIS);
  presence.searchParams.set('prefix', `${name}:`);
  return {
    registry: registry.toString(),
    presence: presence.toString(),
    async drop() {
      await exec('psql', [POSTGRES, '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]).catch(() => undefined);
      await exec('redis-cli', ['-u', REDIS, '--no-auth-warning', 'EVAL', `for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end`, '0', `${name}:*`]).catch(() => undefined);
    },
  };
}

async function storesAnswer(): Promise<string | undefined> {
  try {
    await exec('psql', [POSTGRES, '-qc', 'SELECT 1']);
    await exec('redis-cli', ['-u', REDIS, '--no-auth-warning', 'PING']);
    return undefined;
  } catch (err) {
    return `PostgreSQL (${POSTGRES}) or Redis (${REDIS}) does not answer: ${(err as Error).message.split('\n')[0] ?? ''}`;
  }
}

async function setup({ targets, log }: PathContext): Promise<PathSetup> {
  const missing = await storesAnswer();
  if (missing !== undefined) return { kind: 'skipped', reason: missing };
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bench-cluster-'));
  const undo: (() => Promise<void>)[] = [async () => fs.rmSync(workDir, { recursive: true, force: true })];
  const teardown = async (): Promise<void> => {
    for (const step of undo.reverse().splice(0)) await step();
  };
  try {
    const stores = await clusterStores();
    undo.push(() => stores.drop());
    const local: TargetEndpoints = { echo: { host: '127.0.0.1', port: await freePort() }, sink: { host: '127.0.0.1', port: await freePort() } };
    const trust = path.join(workDir, 'trust');
    const context: TunnelLaunchContext = {
      workDir,
      dataDir: trust,
      serverPort: await freePort(),
      targets,
      localPorts: { echo: local.echo.port, sink: local.sink.port },
      files: { deviceConfig: path.join(workDir, 'config.json'), token: path.join(workDir, 'token'), ca: path.join(trust, 'ca.pem') },
    };
    const cluster = { TUNNEL_REGISTRY: stores.registry, TUNNEL_PRESENCE: stores.presence };
    await runStep(oneShot(SERVER_CLI, ['init', '--data', trust], context, path.join(workDir, 'init.out')));

    const ports = [context.serverPort, await freePort()];
    const pids: number[] = [];
    const serverPids: number[] = [];
    for (const [i, port] of ports.entries()) {
      const dataDir = path.join(workDir, `node-${i + 1}`);
      fs.cpSync(trust, dataDir, { recursive: true });
      const args = ['start', '--data', dataDir, '--host', '127.0.0.1', '--port', String(port), '--node-id', `node-${i + 1}`, '--cluster-listen', '127.0.0.1:0'];
      const logFile = path.join(workDir, `node-${i + 1}.log`);
      const server = start(node(SERVER_CLI, args, context, cluster), `tunnel-server node-${i + 1}`, logFile);
      undo.push(() => stopProcess(server));
      await unlessExited(waitListening({ host: '127.0.0.1', port }, READY_MS), server, `tunnel-server node-${i + 1}`, logFile);
      if (server.pid !== undefined) serverPids.push(server.pid);
    }
    log(`tunnel-cluster: node-1 on 127.0.0.1:${ports[0]} (device), node-2 on 127.0.0.1:${ports[1]} (developer), work dir ${workDir}`);

    const admin = (args: string[], out: string) => ({ ...oneShot(SERVER_CLI, [...args, '--data', trust], context, out), env: { ...productEnv(context), ...cluster } });
    await runStep(admin(['device', 'add', '--name', 'bench-device', '--endpoint', `127.0.0.1:${ports[0]}`], context.files.deviceConfig));
    await runStep(admin(['user', 'add', 'bench', '--role', 'admin'], context.files.token));

    const agentLog = path.join(workDir, 'agent.log');
    const agent = start(node(DEVICE_AGENT, ['agent', '--config', context.files.deviceConfig], context), 'tunnel-client agent', agentLog);
    undo.push(() => stopProcess(agent));
    await unlessExited(waitForLogLine(agentLog, /"msg":"connected"/, READY_MS), agent, 'tunnel-client agent', agentLog);

    const uuid = (JSON.parse(fs.readFileSync(context.files.deviceConfig, 'utf8')) as { uuid: string }).uuid;
    const token = fs.readFileSync(context.files.token, 'utf8').trim();
    const cliLog = path.join(workDir, 'cli.log');
    const cli = start(
      node(CLIENT_CLI, ['device', 'tunnel', uuid, '-p', `${targets.echo.port}:${local.echo.port}`, '-p', `${targets.sink.port}:${local.sink.port}`], context, {
        TUNNEL_SERVER: `https://127.0.0.1:${ports[1]}`,
        TUNNEL_TOKEN: token,
        TUNNEL_CA: context.files.ca,
      }),
      'tunnel-client device tunnel',
      cliLog,
    );
    undo.push(() => stopProcess(cli));
    await unlessExited(waitPathReady(local, READY_MS), cli, 'tunnel-client device tunnel', cliLog);
    for (const p of [...serverPids, agent.pid, cli.pid]) if (p !== undefined) pids.push(p);
    return {
      kind: 'ready',
      path: {
        endpoints: local,
        notes: ['tunnel-cluster: two nodes on PostgreSQL + Redis, the development CA (RSA-2048); goals against tunnel: throughput >= 0.8x, RTT p50 + <= 150 µs'],
        processes: () => pids,
        relayProcesses: () => serverPids,
        teardown,
      },
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

export const tunnelClusterPath: BenchPath = {
  name: 'tunnel-cluster',
  description: 'load generator -> device tunnel CLI -> node 2 -> cluster link -> node 1 -> agent -> target services',
  setup,
};
