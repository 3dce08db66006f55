import { FAST_AGENT_ARGS, startAgent, startServerWithDevice, type DeviceHandle, type ServerHandle } from './fixtures.js';
import { NO_PROXY_ENV } from './network.js';
import { cleanup, type Proc } from './processes.js';

/** A server and one device on it, whose agents a suite starts under the proxy settings each test names. */
export interface ProxiedAgents {
  server: ServerHandle;
  device: DeviceHandle;
  /** An agent with FAST_AGENT_ARGS and `args`, seeing only the proxy variables in `env`; killed after the test. */
  start(env: NodeJS.ProcessEnv, args?: string[], file?: string): Proc;
}

/**
 * ProxiedAgents for a whole suite: server and device made in before(), every process stopped in
 * after(). The object is filled in place, so tests read it once the suite has started.
 */
export function useProxiedAgents(deviceName: string, serverArgs: string[] = []): ProxiedAgents {
  const running: Proc[] = [];
  const agents: ProxiedAgents = {
    server: undefined as unknown as ServerHandle,
    device: undefined as unknown as DeviceHandle,
    start(env, args = [], file = agents.device.file) {
      const agent = startAgent(file, [...FAST_AGENT_ARGS, ...args], { env: { ...NO_PROXY_ENV, ...env } });
      running.push(agent);
      return agent;
    },
  };
  before(async () => {
    Object.assign(agents, await startServerWithDevice(deviceName, { args: serverArgs }));
  });
  afterEach(async () => {
    // One agent per device at a time: a leftover would replace the next test's session.
    for (const proc of running.splice(0)) await proc.kill();
  });
  after(cleanup);
  return agents;
}
