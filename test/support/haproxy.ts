import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './network.js';
import { Proc } from './processes.js';

/** The example configuration operators are given (docs/operations.md); the tests run it unchanged. */
export const HAPROXY_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packaging/haproxy/haproxy.cfg');

export interface Balancer {
  proc: Proc;
  port: number;
}

/**
 * Starts HAProxy (Debian's haproxy package, see .ci/run) in the foreground with the shipped
 * config, balancing over the given node ports (the config's three server lines take them in
 * turn, repeating the last when fewer are given).
 */
export async function startHaproxy(nodePorts: number[]): Promise<Balancer> {
  const port = await freePort();
  const node = (i: number): string => `127.0.0.1:${nodePorts[Math.min(i, nodePorts.length - 1)]}`;
  const proc = new Proc('haproxy', ['-db', '-f', HAPROXY_CONFIG], {
    env: { TUNNEL_LB_BIND: `127.0.0.1:${port}`, TUNNEL_NODE1: node(0), TUNNEL_NODE2: node(1), TUNNEL_NODE3: node(2) },
  });
  await waitForPort(port);
  return { proc, port };
}
