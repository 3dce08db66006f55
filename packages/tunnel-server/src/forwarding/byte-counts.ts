import type { YamuxStream } from '@tunnel/protocol/yamux';

/** Bytes through a device stream so far: up is towards the device. */
export interface ByteCounts {
  readonly up: number;
  readonly down: number;
}

/**
 * Live byte counts of a device stream, from now on (the open request and verdict it carried are
 * not counted), whoever consumes it: the CLI session's relay, the CONNECT relay or the web
 * terminal. The device page shows them while the stream runs.
 */
export function countBytes(stream: YamuxStream): ByteCounts {
  const sentBefore = stream.bytesSent;
  const receivedBefore = stream.bytesReceived;
  return {
    get up() {
      return stream.bytesSent - sentBefore;
    },
    get down() {
      return stream.bytesReceived - receivedBefore;
    },
  };
}
