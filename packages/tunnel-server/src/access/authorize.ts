import type { DeviceRecord, EpochMs, Registry, UserRecord } from '../registry/types.js';

/** What a user asks to reach: a port on a host as the device sees it. */
export interface AccessTarget {
  host: string;
  port: number;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

/** What a decision may consult; fleets and support grants (issue 6) live in the registry. */
export interface AccessContext {
  registry: Registry;
  now: EpochMs;
}

/**
 * The one place that decides whether a user may open a stream to a device's target. Every way
 * in (CLI session, HTTP CONNECT) asks here on every open, so a rule added here holds everywhere.
 * Today admins and developers reach every device; fleet membership and time-limited support
 * grants come next and belong here too. A denial names the rule that denied, because "access
 * denied" alone sends people to the wrong fix. Async because those rules read the registry.
 */
export async function authorize(user: UserRecord, device: DeviceRecord, _target: AccessTarget, _context: AccessContext): Promise<AccessDecision> {
  switch (user.role) {
    case 'admin':
    case 'developer':
      return { allowed: true };
    default:
      return { allowed: false, reason: `user ${user.name} has role ${user.role}, which may not reach device ${device.uuid.slice(0, 7)} without a support grant` };
  }
}
