import { type Logger } from '@tunnel/protocol/log';
import { type WebSocketDuplex } from '@tunnel/protocol/transport';
import { type TunnelSession } from '@tunnel/protocol/tunnel';
import { CloseCode, encodeDrainHint } from '@tunnel/protocol/wire';
import type { AuthError } from '@tunnel/protocol/auth';
import type { Presence } from '../presence/presence.js';
import { DuplicateGuard } from './duplicate-guard.js';

export interface LiveDevice {
  uuid: string;
  sessionId: string;
  session: TunnelSession;
  transport: WebSocketDuplex;
  remoteAddress: string;
  connectedAt: number;
}

/**
 * The devices connected to this node: one live session per device. A new session replaces the
 * old one; each carries its own id, so the old session's late close cannot mark the device
 * offline (presence ignores disconnects of sessions that are no longer current).
 */
export class DeviceSessions {
  private readonly live = new Map<string, LiveDevice>();

  constructor(
    private readonly presence: Presence,
    private readonly log: Logger,
    private readonly duplicates = new DuplicateGuard(),
  ) {}

  /**
   * Whether a newly authenticated session of `uuid` may replace the live one: a refusal when
   * another agent with the same config keeps a healthy session here (see DuplicateGuard).
   */
  async admit(uuid: string, remoteAddress: string): Promise<AuthError | undefined> {
    const established = this.live.get(uuid);
    const refusal = await this.duplicates.admit(uuid, established?.session);
    if (refusal && established) {
      this.log.warn(
        { uuid, sessionId: established.sessionId, remoteAddress, code: refusal.code },
        'duplicate device: a second agent with this config tried to replace a healthy session; kept the established one',
      );
    }
    return refusal;
  }

  get size(): number {
    return this.live.size;
  }

  get(uuid: string): LiveDevice | undefined {
    return this.live.get(uuid);
  }

  uuids(): string[] {
    return [...this.live.keys()];
  }

  /** Takes over a freshly authenticated session (already closed ones are recorded as such). */
  add(device: LiveDevice, recorded: Promise<void> = Promise.resolve()): void {
    const disconnected = (): Promise<boolean> => recorded.then(() => this.presence.disconnected(device.uuid, device.sessionId, Date.now()));
    if (device.session.closed) {
      void disconnected();
      return;
    }
    const old = this.live.get(device.uuid);
    this.live.set(device.uuid, device);
    if (old) {
      this.log.info({ uuid: device.uuid, oldSessionId: old.sessionId, sessionId: device.sessionId }, 'device reconnected; closing its previous session');
      old.session.close();
    }
    device.session.once('close', (err) => {
      if (this.live.get(device.uuid) === device) this.live.delete(device.uuid);
      void disconnected().then((current) => {
        this.log.info(
          { uuid: device.uuid, sessionId: device.sessionId, reason: err?.code ?? 'closed', wasCurrent: current },
          current ? 'device disconnected' : 'old device session closed (device already reconnected)',
        );
      }, (e: Error) => this.log.error({ uuid: device.uuid, err: e }, 'presence update failed'));
    });
  }

  /** Closes a device's session at once (device removed). */
  kick(uuid: string, why: string): void {
    const device = this.live.get(uuid);
    if (!device) return;
    this.log.warn({ uuid, sessionId: device.sessionId, reason: why }, 'closing device session');
    device.transport.setCloseReason(CloseCode.DeviceRemoved, why.slice(0, 120));
    device.session.close();
  }

  /**
   * Graceful shutdown. Each device gets GoAway (no new streams), up to graceMs for streams in
   * flight, then a close telling it when to come back, at a random moment within spreadMs so a
   * restarted server is not hit by the whole fleet in the same second. With a windowMs the devices
   * take their turn evenly over the window instead of all at once: a node drained for an upgrade
   * hands its fleet to the other nodes at a pace they can take, and keeps serving the rest meanwhile.
   */
  async drainAll(pace: { graceMs: number; spreadMs: number; windowMs: number }, random: () => number = Math.random): Promise<void> {
    const devices = [...this.live.values()];
    const step = devices.length > 0 ? pace.windowMs / devices.length : 0;
    await Promise.all(
      devices.map(async (d, turn) => {
        if (turn > 0 && step > 0) await new Promise((resolve) => setTimeout(resolve, turn * step));
        d.session.goAway();
        d.transport.setCloseReason(CloseCode.Drain, encodeDrainHint({ retryAfterMs: random() * pace.spreadMs }));
        const closed = new Promise<void>((resolve) => {
          if (d.transport.destroyed) resolve();
          else d.transport.once('close', () => resolve());
        });
        await d.session.drain(pace.graceMs);
        // Let the WebSocket close handshake carry the hint before the process exits.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      }),
    );
  }
}
