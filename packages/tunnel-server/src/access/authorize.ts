import type { DeviceRecord, EpochMs, Registry, SupportGrantRecord, UserRecord } from '../registry/types.js';

/** What a user asks to reach: a port on a host as the device sees it. */
export interface AccessTarget {
  host: string;
  port: number;
}

export type AccessDecision =
  /** `until`: the moment the rule that allowed it stops holding (a support grant's expiry). */
  | { allowed: true; rule: string; until?: EpochMs }
  | { allowed: false; reason: string };

/** What a decision may consult. */
export interface AccessContext {
  registry: Registry;
  now: EpochMs;
}

const short = (device: DeviceRecord): string => device.uuid.slice(0, 7);
const minute = (ms: EpochMs): string => new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');

/**
 * The one place that decides whether a user may open a stream to a device's target. Every way
 * in (CLI session, HTTP CONNECT, the API) asks here, on every open and again while streams run,
 * so a rule holds everywhere at once. The rules:
 *   admin      every device;
 *   developer  devices of the fleets they are a member of;
 *   support    devices (or fleets) with an active support grant covering the port.
 * A denial names the rule that denied, because "access denied" alone sends people to the wrong fix.
 */
export async function authorize(user: UserRecord, device: DeviceRecord, target: AccessTarget, context: AccessContext): Promise<AccessDecision> {
  switch (user.role) {
    case 'admin':
      return { allowed: true, rule: 'admin' };
    case 'developer':
      return developerAccess(user, device, context);
    case 'support':
      return supportAccess(user, device, target, context);
  }
}

async function developerAccess(user: UserRecord, device: DeviceRecord, { registry }: AccessContext): Promise<AccessDecision> {
  if (device.fleet === null) {
    return { allowed: false, reason: `device ${short(device)} belongs to no fleet, and developer ${user.name} only reaches devices of their fleets (an admin can: tunnel-server device add --fleet, fleet member add)` };
  }
  const fleets = await registry.fleets.fleetsOf(user.name);
  if (fleets.includes(device.fleet)) return { allowed: true, rule: `member of fleet ${device.fleet}` };
  return { allowed: false, reason: `developer ${user.name} is not a member of fleet "${device.fleet}", to which device ${short(device)} belongs` };
}

async function supportAccess(user: UserRecord, device: DeviceRecord, target: AccessTarget, { registry, now }: AccessContext): Promise<AccessDecision> {
  const covering = await registry.grants.covering(device.uuid, target.port, now);
  if (covering.length > 0) {
    const grant = covering[0]!;
    return { allowed: true, rule: `support grant #${grant.id} on ${scopeText(grant)}`, until: grant.expiresAt };
  }
  const all = await registry.grants.list({ deviceUuid: device.uuid, includeInactive: true, at: now });
  return { allowed: false, reason: supportDenial(user, device, target, all, now) };
}

function scopeText(grant: SupportGrantRecord): string {
  return grant.scope.kind === 'device' ? `device ${grant.scope.deviceUuid.slice(0, 7)}` : `fleet ${grant.scope.fleet}`;
}

/** Says which grant would have applied and why it does not (the newest one tells the story). */
function supportDenial(user: UserRecord, device: DeviceRecord, target: AccessTarget, grants: SupportGrantRecord[], now: EpochMs): string {
  const newest = grants[0];
  const name = `support access to ${short(device)}`;
  if (!newest) return `no support access has been granted for device ${short(device)} (tunnel-server support enable --device ${short(device)}); ${user.name} has role support`;
  if (newest.revokedAt !== null) return `${name} was revoked ${minute(newest.revokedAt)}`;
  if (newest.expiresAt <= now) return `${name} expired ${minute(newest.expiresAt)}`;
  return `${name} (grant #${newest.id}) covers port${newest.ports.length > 1 ? 's' : ''} ${newest.ports.join(', ')}, not ${target.port}`;
}
