import type { Endpoint } from '../net/endpoint.js';
import { closeSocket, connect } from './socket.js';

export interface PingPongOptions {
  readonly roundTrips: number;
  readonly payloadBytes: number;
  /** Round trips run first and thrown away: JIT, TCP slow start, ssh channel windows. */
  readonly warmup: number;
  readonly timeoutMs: number;
}

/**
 * Round-trip times in microseconds of `payloadBytes` messages on one connection to an echo service,
 * one message in flight at a time. Callbacks, not a promise per round trip, so the generator adds as
 * little of its own latency as it can.
 */
export async function pingPong(echo: Endpoint, options: PingPongOptions): Promise<number[]> {
  const socket = await connect(echo, { timeoutMs: options.timeoutMs });
  const payload = Buffer.alloc(options.payloadBytes, 0x61);
  const total = options.warmup + options.roundTrips;
  const samples: number[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      let received = 0;
      let sentAt = 0n;
      const timer = setTimeout(
        () => reject(new Error(`ping-pong timed out after ${done} of ${total} round trips`)),
        options.timeoutMs,
      );
      const send = (): void => {
        received = 0;
        sentAt = process.hrtime.bigint();
        socket.write(payload);
      };
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received < options.payloadBytes) return;
        const micros = Number(process.hrtime.bigint() - sentAt) / 1000;
        if (received > options.payloadBytes) {
          clearTimeout(timer);
          reject(new Error(`echo returned ${received} bytes for a ${options.payloadBytes}-byte message`));
          return;
        }
        if (done >= options.warmup) samples.push(micros);
        done += 1;
        if (done < total) {
          send();
          return;
        }
        clearTimeout(timer);
        resolve();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`connection closed after ${done} of ${total} round trips`));
      });
      send();
    });
  } finally {
    socket.removeAllListeners('close');
    await closeSocket(socket);
  }
  return samples;
}
