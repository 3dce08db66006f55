import type { Endpoint } from '../net/endpoint.js';
import { microsSince } from './stats.js';
import { closeSocket, connect, readExactly } from './socket.js';

export interface ConnectLatencyOptions {
  readonly connections: number;
  /** Connections made first and not counted. */
  readonly warmup: number;
  readonly timeoutMs: number;
}

const PROBE = Buffer.from([0x2a]);

/**
 * Time from starting a TCP connect to the path's local endpoint until the first byte comes back
 * from the echo service on the far side, in microseconds; one connection at a time. The TCP connect
 * alone is not the figure: ssh -L (and our CLI) accept locally before the far side exists, so only
 * an echoed byte proves the whole chain was built.
 */
export async function connectLatency(echo: Endpoint, options: ConnectLatencyOptions): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < options.warmup + options.connections; i++) {
    const start = process.hrtime.bigint();
    const socket = await connect(echo, { timeoutMs: options.timeoutMs });
    try {
      socket.write(PROBE);
      await readExactly(socket, 1, options.timeoutMs);
      const micros = microsSince(start);
      if (i >= options.warmup) samples.push(micros);
    } finally {
      await closeSocket(socket);
    }
  }
  return samples;
}
