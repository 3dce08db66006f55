import type { Endpoint } from '../net/endpoint.js';
import { formatEndpoint } from '../net/endpoint.js';
import { closeSocket, connect, readExactly } from '../load/socket.js';
import { SINK_ACK_BYTES, encodeLength } from '../targets/sink-protocol.js';
import type { TargetEndpoints } from '../targets/launch.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Retries `attempt` until it succeeds or the deadline passes; the last error explains the failure. */
async function retry(what: string, deadlineMs: number, attempt: () => Promise<void>): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      await attempt();
      return;
    } catch (err) {
      last = err;
      await sleep(50);
    }
  }
  throw new Error(`${what} not ready after ${deadlineMs} ms: ${last instanceof Error ? last.message : String(last)}`);
}

/** Something accepts TCP connections there (says nothing about what lies behind it). */
export function waitListening(endpoint: Endpoint, deadlineMs: number): Promise<void> {
  return retry(`listener ${formatEndpoint(endpoint)}`, deadlineMs, async () => {
    await closeSocket(await connect(endpoint, { timeoutMs: 1000 }));
  });
}

async function echoOnce(endpoint: Endpoint): Promise<void> {
  const socket = await connect(endpoint, { timeoutMs: 1000 });
  try {
    socket.write('r');
    const back = await readExactly(socket, 1, 2000);
    if (back.toString() !== 'r') throw new Error(`echo answered ${JSON.stringify(back.toString())}`);
  } finally {
    await closeSocket(socket);
  }
}

async function sinkOnce(endpoint: Endpoint): Promise<void> {
  const socket = await connect(endpoint, { timeoutMs: 1000 });
  try {
    socket.write(Buffer.concat([encodeLength(1), Buffer.from('r')]));
    const ack = await readExactly(socket, SINK_ACK_BYTES, 2000);
    if (ack.readBigUInt64BE(0) !== 1n) throw new Error('sink miscounted the probe byte');
  } finally {
    await closeSocket(socket);
  }
}

/**
 * Waits until both services answer through the path end to end. Local listeners (ssh -L, our CLI)
 * accept before the far side is reachable, so a listening port alone proves nothing.
 */
export async function waitPathReady(endpoints: TargetEndpoints, deadlineMs: number): Promise<void> {
  await retry(`echo through ${formatEndpoint(endpoints.echo)}`, deadlineMs, () => echoOnce(endpoints.echo));
  await retry(`sink through ${formatEndpoint(endpoints.sink)}`, deadlineMs, () => sinkOnce(endpoints.sink));
}
