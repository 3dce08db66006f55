import type { DeviceRecord, EpochMs, Registry, UserRecord } from '../registry/types.js';

/** Which devices a user may see (list, look up, watch on the dashboard): those they could reach. */
export type DeviceFilter = (device: DeviceRecord) => boolean;

/**
 * Admins see every device, developers the devices of their fleets, support users the devices
 * an active grant covers (directly or through the fleet). Mirrors authorize() without the port,
 * so nobody is shown a device they can never open.
 */
export async function visibleTo(user: UserRecord, registry: Registry, now: EpochMs): Promise<DeviceFilter> {
  switch (user.role) {
    case 'admin':
      return () => true;
    case 'developer': {
      const fleets = new Set(await registry.fleets.fleetsOf(user.name));
      return (d) => d.fleet !== null && fleets.has(d.fleet);
    }
    case 'support': {
      const grants = await registry.grants.list({ at: now });
      const devices = new Set(grants.flatMap((g) => (g.scope.kind === 'device' ? [g.scope.deviceUuid] : [])));
      const fleets = new Set(grants.flatMap((g) => (g.scope.kind === 'fleet' ? [g.scope.fleet] : [])));
      return (d) => devices.has(d.uuid) || (d.fleet !== null && fleets.has(d.fleet));
    }
  }
}
