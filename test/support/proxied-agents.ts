import { FAST_AGENT_ARGS, startAgent, useServerWithDevice, type ServerWithDevice } from './fixtures.js';
import { NO_PROXY_ENV } from './network.js';
import type { Proc } from './processes.js';

/** A server and one device on it, whose agents a suite starts under the proxy settings each test names. */
export interface ProxiedAgents extends ServerWithDevice {
  /** An agent with FAST_AGENT_ARGS and `args`, seeing only the proxy variables in `env`; killed after the test. */
  start(env: NodeJS.ProcessEnv, args?: string[], file?: string): Proc;
}

/** ProxiedAgents for a whole suite, on useServerWithDevice(); each test's agents are killed after it. */
export function useProxiedAgents(deviceName: string, serverArgs: string[] = []): ProxiedAgents {
  const running: Proc[] = [];
  const agents: ProxiedAgents = Object.assign(useServerWithDevice(deviceName, { args: serverArgs }), {
    start(env: NodeJS.ProcessEnv, args: string[] = [], file = agents.device.file): Proc {
      const agent = startAgent(file, [...FAST_AGENT_ARGS, ...args], { env: { ...NO_PROXY_ENV, ...env } });
      running.push(agent);
      return agent;
    },
  });
  afterEach(async () => {
    // One agent per device at a time: a leftover would replace the next test's session.
    for (const proc of running.splice(0)) await proc.kill();
  });
  return agents;
}
