/**
 * Our tunnel as one more path: load generator -> `tunnel-client device tunnel` listener -> tunnel-server
 * -> tunnel-client agent -> target services, every process started the way the README says.
 * TLS stays on with the certificate checked, and the device authenticates with its real key.
 */
import type { ChildProcess } from 'node:child_process';
import { execFile, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../net/free-port.js';
import { spawnTracked, stopProcess, track } from '../../proc/children.js';
import { unlessExited } from '../../proc/unless-exited.js';
import type { TargetEndpoints } from '../../targets/launch.js';
import { waitListening, waitPathReady } from '../ready.js';
import type { BenchPath, PathContext, PathSetup } from '../types.js';
import { ecdsaBenchCertificate } from './bench-certificate.js';
import { productLaunch } from './launch.js';
import type { LaunchCommand, ServerCertificate, TunnelLaunchCommands, TunnelLaunchContext } from './types.js';
import type { InterceptorReady } from './interceptor-main.js';
import { waitForLogLine } from './log-watch.js';

const READY_MS = 20_000;

export function start(command: LaunchCommand, label: string, logFile: string): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  try {
    return spawnTracked(command.command, command.args, {
      label,
      stdio: ['ignore', log, log],
      ...(command.env === undefined ? {} : { env: command.env }),
      ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
    });
  } finally {
    fs.closeSync(log);
  }
}

/** Runs a one-shot step to completion; its stdout goes to stdoutFile when one is named. */
export function runStep(command: LaunchCommand): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      command.command,
      [...command.args],
      { encoding: 'utf8', timeout: 30_000, ...(command.env === undefined ? {} : { env: command.env }), ...(command.cwd === undefined ? {} : { cwd: command.cwd }) },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${path.basename(command.args[0] ?? command.command)} ${command.args.slice(1).join(' ')}: ${stderr.trim() || err.message}`));
          return;
        }
        if (command.stdoutFile !== undefined) fs.writeFileSync(command.stdoutFile, stdout);
        resolve();
      },
    );
  });
}

/** A certificate the bench brought replaces the development CA on the device and the CLI. */
export function trustBroughtCertificate(context: TunnelLaunchContext, certificate: ServerCertificate): void {
  const caPem = fs.readFileSync(certificate.ca, 'utf8');
  fs.writeFileSync(context.files.ca, caPem);
  const config = JSON.parse(fs.readFileSync(context.files.deviceConfig, 'utf8')) as Record<string, unknown>;
  config['serverCA'] = Buffer.from(caPem, 'utf8').toString('base64');
  fs.writeFileSync(context.files.deviceConfig, JSON.stringify(config, null, 2));
}

/**
 * Puts a TLS-inspecting box between the device and the server: a process of its own that the
 * device's config now dials, trusted through balenaRootCA.
 */
async function interpose(context: TunnelLaunchContext): Promise<ChildProcess> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'interceptor-main.js');
  const box = fork(script, [String(context.serverPort), context.files.ca], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  track(box, 'TLS-inspecting box');
  const ready = await new Promise<InterceptorReady>((resolve, reject) => {
    box.once('message', (m) => resolve(m as InterceptorReady));
    box.once('exit', (code) => reject(new Error(`the TLS-inspecting box exited with ${code}`)));
  });
  const config = JSON.parse(fs.readFileSync(context.files.deviceConfig, 'utf8')) as Record<string, unknown>;
  config['vpnPort'] = ready.port;
  config['balenaRootCA'] = Buffer.from(ready.caPem, 'utf8').toString('base64');
  fs.writeFileSync(context.files.deviceConfig, JSON.stringify(config, null, 2));
  return box;
}

/** Starts an agent for the device in context.files.deviceConfig; resolves once it is connected. */
async function startAgent(launch: TunnelLaunchCommands, context: TunnelLaunchContext, name: string): Promise<ChildProcess> {
  const logFile = path.join(context.workDir, `${name}.log`);
  const agent = start(launch.agent(context), `tunnel-client ${name}`, logFile);
  try {
    await unlessExited(waitForLogLine(logFile, /"msg":"connected"/, READY_MS), agent, `tunnel-client ${name}`, logFile);
  } catch (err) {
    await stopProcess(agent);
    throw err;
  }
  return agent;
}

/**
 * Scenario 7's agent: a device of its own (provisioned like the first), so it starts fresh and
 * carries no traffic, as on a device nobody is connected to.
 */
async function startIdleAgent(launch: TunnelLaunchCommands, context: TunnelLaunchContext): Promise<{ pid: number; stop(): Promise<void> }> {
  const files = { ...context.files, deviceConfig: path.join(context.workDir, 'idle-device.json') };
  const idle: TunnelLaunchContext = { ...context, files };
  const add = launch.provisionDevice(idle, 'bench-idle-device');
  await runStep(add);
  const first = JSON.parse(fs.readFileSync(context.files.deviceConfig, 'utf8')) as Record<string, unknown>;
  const config = JSON.parse(fs.readFileSync(files.deviceConfig, 'utf8')) as Record<string, unknown>;
  // Same trust as the first device (a certificate the bench brought replaces the development CA).
  config['serverCA'] = first['serverCA'];
  fs.writeFileSync(files.deviceConfig, JSON.stringify(config, null, 2));
  const agent = await startAgent(launch, idle, 'idle-agent');
  if (agent.pid === undefined) throw new Error('the idle agent has no pid');
  return { pid: agent.pid, stop: () => stopProcess(agent) };
}

async function setup(launch: TunnelLaunchCommands, { targets, log }: PathContext, intercepted: boolean): Promise<PathSetup> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bench-product-'));
  const undo: (() => Promise<void>)[] = [async () => fs.rmSync(workDir, { recursive: true, force: true })];
  const teardown = async (): Promise<void> => {
    for (const step of undo.reverse().splice(0)) await step();
  };
  try {
    const local: TargetEndpoints = {
      echo: { host: '127.0.0.1', port: await freePort() },
      sink: { host: '127.0.0.1', port: await freePort() },
    };
    const context: TunnelLaunchContext = {
      workDir,
      dataDir: path.join(workDir, 'data'),
      serverPort: await freePort(),
      targets,
      localPorts: { echo: local.echo.port, sink: local.sink.port },
      files: { deviceConfig: path.join(workDir, 'config.json'), token: path.join(workDir, 'token'), ca: path.join(workDir, 'ca.pem') },
    };
    const notes: string[] = [];
    const certificate = await launch.certificate?.(context);
    notes.push(certificate === undefined ? 'server certificate: the development CA (RSA-2048, node-forge)' : `server certificate: ${certificate.note}`);

    const serverLog = path.join(workDir, 'server.log');
    const server = start(launch.server(context, certificate), 'tunnel-server', serverLog);
    undo.push(() => stopProcess(server));
    log(`tunnel: server on 127.0.0.1:${context.serverPort}, work dir ${workDir}`);
    await unlessExited(waitListening({ host: '127.0.0.1', port: context.serverPort }, READY_MS), server, 'tunnel-server', serverLog);

    for (const step of launch.prepare?.(context, certificate) ?? []) await runStep(step);
    if (certificate !== undefined) trustBroughtCertificate(context, certificate);

    const box = intercepted ? await interpose(context) : undefined;
    if (box) undo.push(() => stopProcess(box));
    const agent = await startAgent(launch, context, 'agent');
    undo.push(() => stopProcess(agent));
    if (intercepted) {
      // A box the agent did not notice would measure nothing of what this path is for.
      await waitForLogLine(path.join(workDir, 'agent.log'), /"secureLayer":true/, READY_MS);
      notes.push('tunnel-dpi: the agent dials a TLS-inspecting box (its own process, trusted through balenaRootCA) and runs the secure layer');
    }

    const cliLog = path.join(workDir, 'cli.log');
    const cli = start(launch.cli(context), 'tunnel-client device tunnel', cliLog);
    undo.push(() => stopProcess(cli));
    await unlessExited(waitPathReady(local, READY_MS), cli, 'tunnel-client device tunnel', cliLog);

    const pids = [server.pid, agent.pid, cli.pid, box?.pid].filter((p): p is number => p !== undefined);
    if (server.pid === undefined || agent.pid === undefined) throw new Error('a product process has no pid');
    return {
      kind: 'ready',
      path: {
        endpoints: local,
        notes: [...notes, `node ${process.version}; server, agent and CLI are one process each; the agent runs as devices get it (the npm run bundle file)`],
        processes: () => pids,
        relayProcesses: () => [server.pid].filter((p): p is number => p !== undefined),
        // Scenarios 5-7 measure the product's processes alone: once, on the plain tunnel path.
        ...(intercepted ? {} : { product: {
          serverPid: server.pid,
          agentPid: agent.pid,
          dataDir: context.dataDir,
          deviceConfig: context.files.deviceConfig,
          workDir,
          startIdleAgent: () => startIdleAgent(launch, context),
        } }),
        teardown,
      },
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

export function tunnelPath(launch: TunnelLaunchCommands = productLaunch(ecdsaBenchCertificate)): BenchPath {
  return {
    name: 'tunnel',
    description: 'load generator -> device tunnel CLI -> tunnel-server -> agent -> target services',
    setup: (context) => setup(launch, context, false),
  };
}

/** The same, with the device behind a TLS-inspecting box: what channel binding and the secure layer cost. */
export function interceptedTunnelPath(launch: TunnelLaunchCommands = productLaunch(ecdsaBenchCertificate)): BenchPath {
  return {
    name: 'tunnel-dpi',
    description: 'as tunnel, with a TLS-inspecting box between agent and server (secure layer on)',
    setup: (context) => setup(launch, context, true),
  };
}
