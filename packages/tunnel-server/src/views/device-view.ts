import { deviceStatus, HEARTBEAT_GRACE, statusLabel, type DeviceStatus } from '../presence/device-status.js';
import type { DevicePresence } from '../presence/presence.js';
import type { DeviceRecord } from '../registry/types.js';

/** A device as people and tools see it: registry facts joined with presence. */
export interface DeviceView {
  uuid: string;
  name: string;
  fleet: string | null;
  status: DeviceStatus;
  statusLabel: string;
  /** When the device entered its status, as far as the two signals tell. */
  statusSince: string | null;
  vpn: {
    connected: boolean;
    sessionId: string | null;
    /** The server node holding the session (one of several in a cluster). */
    nodeId: string | null;
    connectedAt: string | null;
    disconnectedAt: string | null;
    remoteAddress: string | null;
  };
  lastHeartbeatAt: string | null;
  heartbeatIntervalMs: number | null;
  agentVersion: string | null;
  clockOffsetMs: number | null;
  lastError: { code: string; message: string; at: string } | null;
  createdAt: string;
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function deviceView(d: DeviceRecord, p: DevicePresence | null, now: number): DeviceView {
  const status = deviceStatus(p, now);
  return {
    uuid: d.uuid,
    name: d.name,
    fleet: d.fleet,
    status,
    statusLabel: statusLabel[status],
    statusSince: iso(statusSince(status, d, p)),
    vpn: {
      connected: p?.sessionId != null,
      sessionId: p?.sessionId ?? null,
      nodeId: p?.sessionId != null ? p.nodeId : null,
      connectedAt: iso(p?.sessionId != null ? p.connectedAt : null),
      disconnectedAt: iso(p?.disconnectedAt ?? d.lastDisconnectedAt),
      remoteAddress: p?.remoteAddress ?? d.lastRemoteAddress,
    },
    lastHeartbeatAt: iso(p?.lastHeartbeatAt),
    heartbeatIntervalMs: p?.heartbeatIntervalMs ?? null,
    agentVersion: p?.agentVersion ?? d.agentVersion,
    clockOffsetMs: p?.clockOffsetMs ?? d.clockOffsetMs,
    lastError: d.lastError ? { code: d.lastError.code, message: d.lastError.message, at: new Date(d.lastError.at).toISOString() } : null,
    createdAt: new Date(d.createdAt).toISOString(),
  };
}

function statusSince(status: DeviceStatus, d: DeviceRecord, p: DevicePresence | null): number | null {
  const staleSince = p?.lastHeartbeatAt != null && p.heartbeatIntervalMs != null ? p.lastHeartbeatAt + p.heartbeatIntervalMs * HEARTBEAT_GRACE : null;
  const vpnDownSince = p?.disconnectedAt ?? d.lastDisconnectedAt;
  const latest = (...times: (number | null)[]): number | null => {
    const known = times.filter((t): t is number => t !== null);
    return known.length ? Math.max(...known) : null;
  };
  switch (status) {
    case 'online':
      return p?.connectedAt ?? null;
    case 'vpn-only':
      return latest(p?.connectedAt ?? null, staleSince);
    case 'heartbeat-only':
      return vpnDownSince;
    case 'offline':
      return latest(vpnDownSince, staleSince);
  }
}
