import type net from 'node:net';
import type { RelaySink, YamuxStream } from '../yamux/index.js';

/**
 * Bytes from the socket that may wait in the stream for send window before the socket is paused:
 * a read's worth (64 KiB) and then some, so a stream with window never waits for the next read.
 */
const SOCKET_READ_AHEAD = 256 * 1024;

/**
 * A socket as the far side of a yamux stream's relay (the agent's connection to its target,
 * the CLI's local connection, a CONNECT client's TLS connection): what the stream receives is written to the socket, window granted
 * as the socket's writes complete, and what the socket reads is sent on the stream, the
 * socket paused while SOCKET_READ_AHEAD waits for window. Node's pipe() between the two cost a
 * Readable push, a 'data' event and a Writable write per 16 KiB. `corkTurn` batches one turn's
 * writes into one writev (see join.ts).
 */
export function relaySocket(stream: YamuxStream, socket: net.Socket, corkTurn: () => void): void {
  // Window is granted as writes complete: a socket below its high-water mark never emits 'drain'.
  const written = (): void => stream.relayDrained();
  const sink: RelaySink = {
    relayWrite(payload: Buffer): void {
      if (socket.destroyed || socket.writableEnded) return;
      corkTurn();
      socket.write(payload, written);
    },
    relayEnd(): void {
      if (!socket.destroyed) socket.end();
    },
    get relayQueuedBytes(): number {
      return socket.writableLength;
    },
  };
  stream.relayInto(sink);

  stream.relayFrom({
    relayDrained(): void {
      if (socket.isPaused() && stream.relayQueuedBytes < SOCKET_READ_AHEAD) socket.resume();
    },
  });
  socket.on('data', (chunk: Buffer) => {
    stream.relayWrite(chunk);
    if (stream.relayQueuedBytes >= SOCKET_READ_AHEAD) socket.pause();
  });
  // The socket's input may have ended already (bytes and FIN sent ahead of the open verdict).
  if (socket.readableEnded) stream.relayEnd();
  else socket.once('end', () => stream.relayEnd());
  socket.resume();
}
