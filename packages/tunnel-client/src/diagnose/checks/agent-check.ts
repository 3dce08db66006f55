import { errorCode } from '@tunnel/protocol/errors';
import { askAgent, controlSocketPath, type AgentState } from '../../agent/control-socket.js';
import { after, given, type Check, type CheckOutcome } from '../check.js';
import { outcomeOf } from '../remedies.js';

const NO_AGENT: ReadonlySet<string | undefined> = new Set(['ENOENT', 'ECONNREFUSED']);

function describe(state: AgentState): CheckOutcome {
  const agent = `the running agent (pid ${state.pid}, ${state.version})`;
  const heartbeat = !state.heartbeat.enabled
    ? 'heartbeats off (sent by another process)'
    : state.heartbeat.failing
      ? `heartbeat failing: ${state.heartbeat.lastError ?? 'unknown error'}`
      : `heartbeat last sent ${state.heartbeat.lastSentAt ?? 'not yet'}`;
  const { tunnel } = state;
  if (!tunnel.connected) {
    const why = tunnel.lastFailure ? `last failure ${tunnel.lastFailure.code} at ${tunnel.lastFailure.at}: ${tunnel.lastFailure.message}` : 'connecting';
    return { status: 'WARN', detail: `${agent} is not connected (${why}); ${heartbeat}`, ...(tunnel.lastFailure ? { code: tunnel.lastFailure.code } : {}) };
  }
  return {
    status: state.heartbeat.failing ? 'WARN' : 'PASS',
    detail: `${agent} is connected: session ${tunnel.sessionId ?? '?'} since ${tunnel.connectedAt ?? '?'}; ${heartbeat}`,
  };
}

/**
 * What the running agent says about its own connection, asked over its control socket: the
 * first thing to know on a device, and learned without touching the agent's session.
 */
export const agentCheck: Check = {
  name: 'agent',
  blockedBy: after('config'),
  async run(state) {
    const config = given(state.config, 'the device config');
    const file = controlSocketPath(config.uuid, state.options.env);
    try {
      return describe((await askAgent(file, 'state', state.options.timeoutMs)) as AgentState);
    } catch (err) {
      if (NO_AGENT.has(errorCode(err))) {
        // Diagnosing with the agent stopped is normal; the checks below connect on their own.
        return { status: 'PASS', detail: `no agent runs for device ${config.uuid} here (nothing answers at ${file})` };
      }
      return outcomeOf(err, undefined, 'WARN');
    }
  },
};
