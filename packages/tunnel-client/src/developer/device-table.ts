import type { RemoteDevice } from './device-lookup.js';

/** The device fields `device list` and `device status` show (the server's DeviceView). */
export interface ListedDevice extends RemoteDevice {
  fleet: string | null;
  statusSince: string | null;
  lastHeartbeatAt: string | null;
  heartbeatIntervalMs: number | null;
  agentVersion: string | null;
  clockOffsetMs: number | null;
  authFailures?: number;
  lastError: { code: string; message: string; at: string } | null;
  vpn: RemoteDevice['vpn'] & { sessionId: string | null; remoteAddress: string | null };
}

/** "42 s ago", "3 min ago", "5 h ago", "2 d ago". */
export function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function deviceTable(devices: ListedDevice[], now = Date.now()): string {
  const headers = ['UUID', 'NAME', 'FLEET', 'STATUS', 'LAST HEARTBEAT', 'CONNECTED SINCE'];
  const rows = devices.map((d) => [
    d.uuid.slice(0, 7),
    d.name,
    d.fleet ?? '-',
    d.statusLabel,
    ago(d.lastHeartbeatAt, now),
    d.vpn.connected && d.vpn.connectedAt ? `${d.vpn.connectedAt} (${ago(d.vpn.connectedAt, now)})` : '-',
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `device status`: every field, one per line, for a person at a terminal. */
export function deviceDetails(d: ListedDevice, now = Date.now()): string {
  const offset = d.clockOffsetMs === null ? '-' : `${d.clockOffsetMs} ms${Math.abs(d.clockOffsetMs) > 60_000 ? ' (the device clock is off; check NTP, UDP 123)' : ''}`;
  const fields: [string, string][] = [
    ['Device', `${d.name} (${d.uuid})`],
    ['Fleet', d.fleet ?? '-'],
    ['Status', `${d.statusLabel}${d.statusSince ? ` since ${d.statusSince} (${ago(d.statusSince, now)})` : ''}`],
    ['VPN', d.vpn.connected ? `connected since ${d.vpn.connectedAt}, session ${d.vpn.sessionId}` : `disconnected${d.vpn.disconnectedAt ? ` at ${d.vpn.disconnectedAt}` : ' (never connected)'}`],
    ['Remote address', d.vpn.remoteAddress ?? '-'],
    ['Last heartbeat', d.lastHeartbeatAt ? `${d.lastHeartbeatAt} (${ago(d.lastHeartbeatAt, now)}; every ${Math.round((d.heartbeatIntervalMs ?? 0) / 1000)} s)` : '-'],
    ['Agent version', d.agentVersion ?? '-'],
    ['Clock offset', offset],
    ['Last error', d.lastError ? `${d.lastError.code} at ${d.lastError.at}: ${d.lastError.message}` : '-'],
  ];
  if (d.authFailures) fields.push(['Failed auth', `${d.authFailures} in the last minute`]);
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n') + '\n';
}
