import type { DevicePresence } from './presence.js';

/** The four statuses of the DESIGN's table, from the tunnel and heartbeat signals. */
export const DEVICE_STATUSES = ['online', 'heartbeat-only', 'vpn-only', 'offline'] as const;

export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

export const statusLabel: Record<DeviceStatus, string> = {
  online: 'Online',
  'heartbeat-only': 'Online (Heartbeat only)',
  'vpn-only': 'Online (VPN only)',
  offline: 'Offline',
};

/** A heartbeat counts as fresh for 1.5 times the interval the device announced. */
export const HEARTBEAT_GRACE = 1.5;

export function heartbeatFresh(p: DevicePresence | null, now: number): boolean {
  if (!p || p.lastHeartbeatAt === null || p.heartbeatIntervalMs === null) return false;
  return now - p.lastHeartbeatAt <= p.heartbeatIntervalMs * HEARTBEAT_GRACE;
}

export function deviceStatus(p: DevicePresence | null, now: number): DeviceStatus {
  const vpn = p !== null && p.sessionId !== null;
  const heartbeat = heartbeatFresh(p, now);
  if (vpn) return heartbeat ? 'online' : 'vpn-only';
  return heartbeat ? 'heartbeat-only' : 'offline';
}
