import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from '../net/endpoint.js';
import { stopProcess, track } from '../proc/children.js';

/** What the target process reports over IPC once both servers listen. */
export interface TargetsReady {
  readonly type: 'ready';
  readonly echoPort: number;
  readonly sinkPort: number;
}

/** The far-side services every path must reach: an echo server and a byte sink. */
export interface TargetEndpoints {
  readonly echo: Endpoint;
  readonly sink: Endpoint;
}

export interface RunningTargets {
  readonly endpoints: TargetEndpoints;
  readonly pid: number;
  stop(): Promise<void>;
}

function isReady(message: unknown): message is TargetsReady {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return m['type'] === 'ready' && typeof m['echoPort'] === 'number' && typeof m['sinkPort'] === 'number';
}

export function startTargets(timeoutMs = 10_000): Promise<RunningTargets> {
  const script = fileURLToPath(new URL('./main.js', import.meta.url));
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  track(child, 'targets');
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer);
      void stopProcess(child).finally(() => reject(err));
    };
    const timer = setTimeout(() => fail(new Error(`targets did not start within ${timeoutMs} ms`)), timeoutMs);
    const early = (code: number | null, sig: NodeJS.Signals | null): void =>
      fail(new Error(`targets exited early (code ${code}, signal ${sig})`));
    child.once('exit', early);
    child.once('error', fail);
    child.on('message', (message: unknown) => {
      if (!isReady(message) || child.pid === undefined) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({
        endpoints: {
          echo: { host: '127.0.0.1', port: message.echoPort },
          sink: { host: '127.0.0.1', port: message.sinkPort },
        },
        pid: child.pid,
        stop: () => stopProcess(child),
      });
    });
  });
}
