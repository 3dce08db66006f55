import type { Readable, Writable } from 'node:stream';

/**
 * Bytes the opening side has before the far end answered its open request (a client's banner,
 * a request line), sent right behind the request instead of after the verdict: a new stream is
 * then built in one round trip through CLI, server and agent instead of two.
 *
 * Receivers need nothing new, so old agents and servers take it as they are: they read exactly
 * one handshake message and leave what follows in the stream until they join it to the target
 * (readMessage), and a refusal drops it unread (TunnelSession.refuse). The sender decides when
 * bytes may go: the server forwards a user's bytes only after authorize() allowed the open.
 */
export class EarlyBytes {
  /** What went out so far: an open retried on a new session (the old one died) sends it again. */
  private readonly sent: Buffer[] = [];
  private count = 0;
  private target: Writable | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.sent.push(chunk);
    this.count += chunk.length;
    if (this.target !== null && !this.target.write(chunk)) {
      this.source.pause();
      this.target.once('drain', this.onDrain);
    }
  };
  private readonly onDrain = (): void => {
    if (this.target !== null) this.source.resume();
  };

  constructor(private readonly source: Readable) {}

  /** Bytes taken from the source so far (they count as sent: the join counts only what follows). */
  get bytes(): number {
    return this.count;
  }

  /** Sends what went out before (to an earlier attempt), then the source's bytes as they come. */
  forwardTo(target: Writable): void {
    this.detach();
    this.target = target;
    for (const chunk of this.sent) target.write(chunk);
    this.source.on('data', this.onData);
    this.source.resume();
  }

  /** The verdict is in: the source stays paused with what is left in it, for the join or for nobody. */
  stop(): void {
    this.detach();
    this.source.pause();
  }

  /** Settled for good: the copies kept for a retry can go. */
  settle(): void {
    this.stop();
    this.sent.length = 0;
  }

  private detach(): void {
    this.source.off('data', this.onData);
    this.target?.off('drain', this.onDrain);
    this.target = null;
  }
}
