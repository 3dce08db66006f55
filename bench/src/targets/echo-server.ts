import net from 'node:net';

/** Echoes every byte back; the far end of the ping-pong and new-connection scenarios. */
export function createEchoServer(): net.Server {
  return net.createServer((socket) => {
    // Without this Nagle holds back small echoes behind the client's delayed ACK (40 ms).
    socket.setNoDelay(true);
    // A client that resets is ordinary at the end of a run; it must not take the target down.
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
}
