import { formatDuration } from '@tunnel/protocol/cli';
import { errorCode } from '@tunnel/protocol/errors';
import type { Logger } from '@tunnel/protocol/log';
import type { Agent } from './agent.js';
import { serveControlSocket, type AgentState } from './control-socket.js';
import type { HeartbeatLoop } from './heartbeat.js';
import { watchRetryTriggers, type RetryTrigger } from './retry-triggers.js';

export interface LocalControlSettings {
  agent: Agent;
  heartbeat: HeartbeatLoop | null;
  uuid: string;
  version: string;
  /** How often to look for network changes and clock steps; 0 for never. */
  watchIntervalMs: number;
  socketFile: string;
  log: Logger;
}

const HEARTBEAT_OFF: AgentState['heartbeat'] = { enabled: false, lastSentAt: null, failing: false, lastError: null };

function describeTrigger(t: RetryTrigger): string {
  return t.reason === 'clock-step' ? `the clock was set ${formatDuration(Math.abs(t.stepMs))} ${t.stepMs > 0 ? 'forward' : 'back'}` : 'the network changed';
}

/**
 * Everything on the device that can tell a running agent "retry now" or ask how it is doing: the
 * network and clock watch, SIGUSR1 (systemctl reload) and the control socket diagnose asks.
 * Returns stop().
 */
export async function startLocalControl(s: LocalControlSettings): Promise<() => void> {
  const { agent, heartbeat, log } = s;
  const retryNow = (reason: string): void => {
    log.info({ reason }, `${reason}: retrying failing connections now`);
    agent.retryNow();
    heartbeat?.retryNow();
  };
  const stopWatching = s.watchIntervalMs > 0 ? watchRetryTriggers(s.watchIntervalMs, (t) => retryNow(describeTrigger(t))) : () => undefined;
  const onSignal = (): void => retryNow('SIGUSR1');
  process.on('SIGUSR1', onSignal);
  const startedAt = new Date().toISOString();
  const control = await serveControlSocket(s.socketFile, {
    state: () => ({ pid: process.pid, version: s.version, uuid: s.uuid, startedAt, tunnel: agent.tunnelState, heartbeat: heartbeat?.state ?? HEARTBEAT_OFF }),
    retry: () => retryNow('asked over the control socket'),
  }).catch((err: Error) => {
    log.warn({ err, code: errorCode(err) }, `no control socket at ${s.socketFile}: diagnose cannot ask this agent for its state`);
    return null;
  });
  return () => {
    stopWatching();
    process.off('SIGUSR1', onSignal);
    control?.close();
  };
}
