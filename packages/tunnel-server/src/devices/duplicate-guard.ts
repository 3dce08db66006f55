import { AuthError, AuthErrorCode } from '@tunnel/protocol/auth';
import type { TunnelSession } from '@tunnel/protocol/tunnel';

export interface DuplicateGuardSettings {
  /** Replacements of a device's session within windowMs that make the next one suspect. */
  replacements: number;
  windowMs: number;
  /** How long the established session has to answer a ping to count as healthy. */
  pingTimeoutMs: number;
  /** What a refused agent is told to wait before it tries again. */
  retryAfterMs: number;
}

export const DUPLICATE_GUARD_DEFAULTS: DuplicateGuardSettings = {
  replacements: 3,
  windowMs: 60_000,
  pingTimeoutMs: 3_000,
  retryAfterMs: 5 * 60_000,
};

/**
 * Tells two agents running on one config (they take turns replacing each other's session)
 * from an agent that reconnects after a network change (its old session is dead but not yet
 * timed out). Only when a device keeps replacing its session does the guard ask the established
 * session for a ping: an answer means another agent is alive on it, and the newcomer is refused.
 * Once a device has been found duplicated, every replacement is checked that way until its
 * replacements calm down, so the refused agent's next try does not start the flapping again.
 */
export class DuplicateGuard {
  private readonly attempts = new Map<string, number[]>();
  private readonly duplicated = new Map<string, number>();

  constructor(private readonly settings: DuplicateGuardSettings = DUPLICATE_GUARD_DEFAULTS) {}

  /** The refusal for a newcomer that would replace `established`, or undefined to let it in. */
  async admit(uuid: string, established: TunnelSession | undefined, now = Date.now()): Promise<AuthError | undefined> {
    if (!established || established.closed) return undefined;
    const { windowMs, replacements, retryAfterMs } = this.settings;
    const recent = (this.attempts.get(uuid) ?? []).filter((at) => now - at < windowMs);
    recent.push(now);
    this.attempts.set(uuid, recent);
    const flagged = now - (this.duplicated.get(uuid) ?? -Infinity) < retryAfterMs + windowMs;
    if (recent.length < replacements && !flagged) return undefined;
    if (!(await this.answers(established))) return undefined;
    this.duplicated.set(uuid, now);
    return new AuthError(
      AuthErrorCode.DuplicateDevice,
      `duplicate device: another agent with the config of device ${uuid} is connected and answering (${recent.length} replacements in ${Math.round(windowMs / 1000)} s); ` +
        `stop one of them (two containers or services sharing one config.json?); retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    );
  }

  private answers(session: TunnelSession): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.settings.pingTimeoutMs);
      session.ping().then(
        () => resolve(true),
        () => resolve(false),
      ).finally(() => clearTimeout(timer));
    });
  }
}
