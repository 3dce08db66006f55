import type { StreamNotice, TunnelSession } from '@tunnel/protocol/tunnel';
import type { YamuxStream } from '@tunnel/protocol/yamux';

/** The server sends its notice ahead of the reset, but the two are handled apart: allow it this long. */
const NOTICE_WAIT_MS = 500;

/**
 * What the server said about streams it cut (support access expired, token rotated), so a
 * connection that ends in a reset can be reported with its reason instead of "reset by the peer".
 * Kept per session: stream ids start again with each one.
 */
export class StreamNotices {
  private readonly bySession = new WeakMap<TunnelSession, Map<number, StreamNotice>>();
  private readonly sessionOf = new WeakMap<YamuxStream, TunnelSession>();

  /** Collects the notices of a session that just came up. */
  watch(session: TunnelSession): void {
    const notices = new Map<number, StreamNotice>();
    this.bySession.set(session, notices);
    session.on('notice', (notice) => notices.set(notice.streamId, notice));
  }

  /** Remembers which session a stream belongs to. */
  opened(stream: YamuxStream, session: TunnelSession): void {
    this.sessionOf.set(stream, session);
  }

  /** The server's reason for cutting this stream, or undefined when it gave none (a real network fault). */
  reasonFor(stream: YamuxStream, waitMs = NOTICE_WAIT_MS): Promise<StreamNotice | undefined> {
    const session = this.sessionOf.get(stream);
    const notices = session && this.bySession.get(session);
    if (!session || !notices) return Promise.resolve(undefined);
    const take = (): StreamNotice | undefined => {
      const notice = notices.get(stream.id);
      notices.delete(stream.id);
      return notice;
    };
    const now = take();
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => {
      const onNotice = (notice: StreamNotice): void => {
        if (notice.streamId === stream.id) finish(take());
      };
      const timer = setTimeout(() => finish(undefined), waitMs);
      const finish = (notice: StreamNotice | undefined): void => {
        clearTimeout(timer);
        session.off('notice', onNotice);
        resolve(notice);
      };
      session.on('notice', onNotice);
    });
  }
}
