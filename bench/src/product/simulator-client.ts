import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess, track } from '../proc/children.js';
import { tail } from '../proc/run.js';
import { isSimulatorReply, type OpenedReport, type SimulatorReply, type SimulatorRequest } from './simulator-messages.js';

export interface SimulatorOptions {
  /** The server's data directory. */
  readonly dataDir: string;
  /** A real device's config.json: endpoint, CA and server key for every simulated device. */
  readonly deviceConfig: string;
  /** Where the simulator's stderr goes. */
  readonly logFile: string;
  /** A cluster's shared registry (postgres://), instead of the SQLite file in dataDir. */
  readonly registryUrl?: string;
  /** host:port of every node: device i dials endpoint i mod n. The config's endpoint when absent. */
  readonly endpoints?: readonly string[];
}

/** The bench's handle on the device simulator process: one request at a time, answered in order. */
export class DeviceSimulator {
  private pending: { resolve: (r: SimulatorReply) => void; reject: (e: Error) => void } | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly logFile: string,
  ) {
    child.on('message', (message: unknown) => {
      const waiter = this.pending;
      if (waiter === null || !isSimulatorReply(message) || message.type === 'ready') return;
      this.pending = null;
      if (message.type === 'error') waiter.reject(new Error(`device simulator: ${message.message}`));
      else waiter.resolve(message);
    });
    child.once('exit', (code, signal) => {
      const waiter = this.pending;
      this.pending = null;
      waiter?.reject(new Error(`device simulator exited (code ${code}, signal ${signal}):\n${tail(this.logFile)}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(options: SimulatorOptions): Promise<DeviceSimulator> {
    const script = fileURLToPath(new URL('./device-simulator.js', import.meta.url));
    const log = fs.openSync(options.logFile, 'a');
    let child: ChildProcess;
    try {
      const cluster = [
        ...(options.registryUrl === undefined ? [] : ['--registry', options.registryUrl]),
        ...(options.endpoints === undefined ? [] : ['--endpoints', options.endpoints.join(',')]),
      ];
      child = fork(script, ['--data', options.dataDir, '--config', options.deviceConfig, ...cluster], {
        stdio: ['ignore', log, log, 'ipc'],
        // BENCH_SIMULATOR_NODE_ARGS="--cpu-prof" and the like, for profiling the simulator itself.
        execArgv: (process.env['BENCH_SIMULATOR_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== ''),
        cwd: path.dirname(script),
      });
    } finally {
      fs.closeSync(log);
    }
    track(child, 'device simulator');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`device simulator did not start:\n${tail(options.logFile)}`)), 15_000);
      child.on('message', function ready(message: unknown) {
        if (!isSimulatorReply(message) || message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', ready);
        resolve();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`device simulator exited (code ${code}):\n${tail(options.logFile)}`));
      });
    });
    return new DeviceSimulator(child, options.logFile);
  }

  async provision(count: number): Promise<{ count: number; seconds: number }> {
    const r = await this.request({ type: 'provision', count });
    if (r.type !== 'provisioned') throw new Error(`device simulator answered ${r.type} to provision`);
    return r;
  }

  async open(count: number, concurrency: number, deadlineMs: number): Promise<OpenedReport> {
    const r = await this.request({ type: 'open', count, concurrency, deadlineMs });
    if (r.type !== 'opened') throw new Error(`device simulator answered ${r.type} to open`);
    return r;
  }

  async closeAll(): Promise<void> {
    const r = await this.request({ type: 'close' });
    if (r.type !== 'closed') throw new Error(`device simulator answered ${r.type} to close`);
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }

  private request(request: SimulatorRequest): Promise<SimulatorReply> {
    if (this.pending !== null) return Promise.reject(new Error('device simulator is busy'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(request);
    });
  }
}
