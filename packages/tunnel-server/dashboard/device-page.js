// One device: why it has its status, where it is connected, what is going on with it, and its terminal.
import { api } from './api.js';
import { $, ago, bytes, definitionList, fillTable, statusBadge } from './format.js';

const HEARTBEAT_FRESH = new Set(['online', 'heartbeat-only']);

/** The two signals behind the status, in words. */
export function statusReason(d) {
  const tunnel = d.vpn.connected
    ? `tunnel up since ${d.vpn.connectedAt}`
    : d.vpn.disconnectedAt
      ? `tunnel down since ${d.vpn.disconnectedAt}`
      : 'the tunnel has never connected';
  const heartbeat = HEARTBEAT_FRESH.has(d.status)
    ? 'heartbeat fresh'
    : d.lastHeartbeatAt
      ? `heartbeat stale (last ${ago(d.lastHeartbeatAt)})`
      : 'no heartbeat received';
  // A duplicate agent is refused while the device is connected: that is when it matters.
  const duplicate = d.lastError?.code === 'ERR_AUTH_DUPLICATE_DEVICE';
  const error = d.lastError && (!d.vpn.connected || duplicate) ? `; last refused: ${d.lastError.code} ${d.lastError.message}` : '';
  return `${tunnel}; ${heartbeat}${error}`;
}

function render({ device: d, streams, streamsNote, audit, grants }) {
  $('device-name').textContent = `${d.name} (${d.uuid.slice(0, 7)})`;
  statusBadge($('device-badge'), d);
  definitionList($('device-facts'), [
    ['Status', `${d.statusLabel}${d.statusSince ? ` since ${d.statusSince} (${ago(d.statusSince)})` : ''}`],
    ['Why', statusReason(d)],
    ['Last heartbeat', d.lastHeartbeatAt ? `${d.lastHeartbeatAt} (${ago(d.lastHeartbeatAt)}, every ${Math.round((d.heartbeatIntervalMs ?? 0) / 1000)} s)` : null],
    ['Connected to', d.vpn.connected ? `node ${d.vpn.nodeId ?? '?'} from ${d.vpn.remoteAddress}` : d.vpn.remoteAddress ? `not connected (last from ${d.vpn.remoteAddress})` : 'not connected'],
    ['Session id', d.vpn.sessionId],
    ['Agent version', d.agentVersion],
    ['Clock offset', d.clockOffsetMs === null ? null : `${d.clockOffsetMs} ms`],
    ['Fleet', d.fleet],
    ['UUID', d.uuid],
    ['Registered', d.createdAt],
  ]);
  fillTable(
    $('device-streams'),
    streams.map((s) => [s.user, s.via, s.target, s.node, `${s.startedAt} (${ago(s.startedAt)})`, bytes(s.bytesUp), bytes(s.bytesDown)]),
    'no open streams',
  );
  $('device-streams-note').textContent = streamsNote ?? '';
  fillTable(
    $('device-grants'),
    grants.map((g) => [`#${g.id}`, g.scope.kind === 'device' ? 'this device' : `fleet ${g.scope.fleet}`, g.ports.join(', '), g.createdBy, g.expiresAt]),
    'no support grants in force',
  );
  fillTable(
    $('device-audit'),
    audit.map((a) => [a.startedAt, a.user, a.kind === 'admin' ? `${a.action} ${a.subject ?? ''}`.trim() : a.target, a.result ?? 'open', bytes(a.bytesUp), bytes(a.bytesDown), a.durationMs === null ? '—' : `${(a.durationMs / 1000).toFixed(1)} s`, a.recording ? playLink(a.id) : '—']),
    'no audit entries',
  );
}

function playLink(id) {
  const a = document.createElement('a');
  a.href = `#/recording/${id}`;
  a.className = 'play';
  a.textContent = `▶ play #${id}`;
  return a;
}

export async function refreshDevicePage(uuid) {
  render(await api(`/v1/devices/${encodeURIComponent(uuid)}/overview`));
}
