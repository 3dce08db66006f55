import type net from 'node:net';
import { formatDuration } from '@tunnel/protocol/cli';
import { errorCode } from '@tunnel/protocol/errors';
import { asError, type Logger } from '@tunnel/protocol/log';
import { EarlyBytes, joinStreams } from '@tunnel/protocol/tunnel';
import { codeSuffix, describeFailure, formatBytes } from './failure-text.js';
import { formatHostPort } from './mapping.js';
import type { UserSession } from './user-session.js';

/** Where one listener's connections go. */
export interface ForwardTarget {
  /** Full uuid, so every open names the same device the command resolved. */
  device: string;
  host: string;
  port: number;
  /** How people see it: "3f2a9c1:22222", or "3f2a9c1 -> 192.168.1.23:22222" for a gateway. */
  label: string;
}

/**
 * Carries each accepted local connection over one stream of the shared session, and reports it:
 * opened, closed with bytes each way and duration, or failed with the precise cause.
 */
export class PortForwarder {
  private nextId = 1;

  constructor(
    private readonly session: UserSession,
    private readonly print: (line: string) => void,
    private readonly log: Logger,
  ) {}

  handle(socket: net.Socket, target: ForwardTarget): void {
    void this.forward(socket, target);
  }

  private async forward(socket: net.Socket, target: ForwardTarget): Promise<void> {
    const id = this.nextId++;
    const from = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const fields = { connection: id, from, ref: target.device, host: target.host, port: target.port };
    socket.on('error', (err) => this.log.debug({ ...fields, err }, 'local socket error'));
    socket.setNoDelay(true);
    let stream;
    // What the local client sends first (an SSH banner) goes right behind the open request.
    const early = new EarlyBytes(socket);
    try {
      stream = await this.session.open({ device: target.device, host: target.host, port: target.port }, early);
    } catch (err) {
      this.print(`Connection #${id} from ${from} to ${target.label} failed: ${describeFailure(err)}${codeSuffix(err)}`);
      // The line above is the report; a log line at warn would say it a second time.
      this.log.debug({ ...fields, err: asError(err), code: errorCode(err) }, 'connection failed');
      socket.destroy();
      return;
    }
    if (socket.destroyed) {
      stream.destroy();
      this.print(`Connection #${id} from ${from} closed before the device answered`);
      return;
    }
    this.print(`Connection #${id} from ${from} to ${target.label} opened`);
    // The info line comes at the close, with everything this one says: a line per open is CPU on every new stream.
    this.log.debug(fields, 'connection opened');
    const r = await joinStreams(socket, stream);
    const notice = r.error ? await this.session.notices.reasonFor(stream) : undefined;
    const how = notice ? ` (${notice.message} [${notice.code}])` : r.error ? ` (${r.error.message})` : '';
    const sent = early.bytes + r.bytesAtoB;
    this.print(`Connection #${id} closed: ${formatBytes(sent)} sent, ${formatBytes(r.bytesBtoA)} received in ${formatDuration(r.durationMs)}${how}`);
    this.log.info({ ...fields, bytesUp: sent, bytesDown: r.bytesBtoA, durationMs: r.durationMs, err: r.error }, 'connection closed');
  }
}
