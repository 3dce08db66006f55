// The device dashboard: token login, the device table with live updates (polling), filters.
const POLL_MS = 2000;
const CLOCK_WARN_MS = 60_000;
const tokenKey = 'tunnel.token';
const $ = (id) => document.getElementById(id);
const expanded = new Set();
let timer = null;

function token() {
  return sessionStorage.getItem(tokenKey);
}

async function api(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${token()}` }, cache: 'no-store' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.error?.message ?? `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return body;
}

function ago(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

function text(value) {
  const span = document.createElement('span');
  span.textContent = value ?? '—';
  return span;
}

function cell(row, content, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.append(typeof content === 'string' ? text(content) : content);
  row.append(td);
}

function warnings(d) {
  const out = [];
  if (d.clockOffsetMs !== null && Math.abs(d.clockOffsetMs) > CLOCK_WARN_MS) {
    out.push(`clock ${Math.round(Math.abs(d.clockOffsetMs) / 1000)} s ${d.clockOffsetMs > 0 ? 'ahead' : 'behind'}`);
  }
  if (d.lastError && Date.now() - Date.parse(d.lastError.at) < 3_600_000) out.push(`auth failed: ${d.lastError.code}`);
  if ((d.authFailures ?? 0) >= 3) out.push(`${d.authFailures} failed authentications`);
  return out;
}

function details(d) {
  const dl = document.createElement('dl');
  const rows = [
    ['UUID', d.uuid],
    ['Status', `${d.statusLabel} (${d.status})${d.statusSince ? ` since ${d.statusSince}` : ''}`],
    ['VPN', d.vpn.connected ? `connected since ${d.vpn.connectedAt}` : `disconnected${d.vpn.disconnectedAt ? ` at ${d.vpn.disconnectedAt}` : ''}`],
    ['Session id', d.vpn.sessionId],
    ['Remote address', d.vpn.remoteAddress],
    ['Last heartbeat', d.lastHeartbeatAt ? `${d.lastHeartbeatAt} (${ago(d.lastHeartbeatAt)}, every ${Math.round((d.heartbeatIntervalMs ?? 0) / 1000)} s)` : null],
    ['Agent version', d.agentVersion],
    ['Clock offset', d.clockOffsetMs === null ? null : `${d.clockOffsetMs} ms`],
    ['Last error', d.lastError ? `${d.lastError.code}: ${d.lastError.message} (${d.lastError.at})` : null],
    ['Registered', d.createdAt],
  ];
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v ?? '—';
    dl.append(dt, dd);
  }
  return dl;
}

function render(devices) {
  const body = $('devices');
  body.replaceChildren();
  for (const d of devices) {
    const row = document.createElement('tr');
    row.className = 'device';
    row.dataset.uuid = d.uuid;
    cell(row, d.uuid.slice(0, 7), 'mono');
    cell(row, d.name);
    cell(row, d.fleet ?? '—');
    const badge = document.createElement('span');
    badge.className = `badge ${d.status}`;
    badge.dataset.status = d.status;
    badge.textContent = d.statusLabel;
    cell(row, badge);
    cell(row, ago(d.statusSince));
    cell(row, ago(d.lastHeartbeatAt));
    cell(row, d.vpn.remoteAddress ?? '—', 'mono');
    cell(row, d.agentVersion ?? '—');
    cell(row, warnings(d).join('; '), 'warn');
    row.addEventListener('click', () => {
      if (expanded.has(d.uuid)) expanded.delete(d.uuid);
      else expanded.add(d.uuid);
      render(devices);
    });
    body.append(row);
    if (expanded.has(d.uuid)) {
      const more = document.createElement('tr');
      more.className = 'details';
      const td = document.createElement('td');
      td.colSpan = 9;
      td.append(details(d));
      more.append(td);
      body.append(more);
    }
  }
  const counts = devices.reduce((acc, d) => ((acc[d.statusLabel] = (acc[d.statusLabel] ?? 0) + 1), acc), {});
  $('summary').textContent = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(' · ') || 'no devices';
}

function updateFleets(fleets) {
  const select = $('filter-fleet');
  const current = select.value;
  const known = [...select.options].map((o) => o.value);
  for (const f of fleets) {
    if (!known.includes(f)) select.append(new Option(f, f));
  }
  select.value = current;
}

async function refresh() {
  const query = new URLSearchParams();
  if ($('filter-status').value) query.set('status', $('filter-status').value);
  if ($('filter-fleet').value) query.set('fleet', $('filter-fleet').value);
  try {
    const { devices, fleets } = await api(`/v1/devices?${query}`);
    updateFleets(fleets ?? []);
    render(devices);
    $('error').textContent = '';
    $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    if (err.status === 401) return logout(`Your token was refused: ${err.message}`);
    $('error').textContent = `Could not load devices: ${err.message}`;
  }
}

async function start() {
  try {
    const me = await api('/v1/whoami');
    $('who').textContent = `${me.name} (${me.role})`;
  } catch (err) {
    return logout(err.status === 401 ? `Token refused: ${err.message}` : `Server unreachable: ${err.message}`);
  }
  $('login').hidden = true;
  $('login-error').textContent = '';
  $('app').hidden = false;
  $('logout').hidden = false;
  await refresh();
  clearInterval(timer);
  timer = setInterval(refresh, POLL_MS);
}

function logout(message = '') {
  clearInterval(timer);
  sessionStorage.removeItem(tokenKey);
  $('app').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message;
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(tokenKey, $('token').value.trim());
  $('token').value = '';
  void start();
});
$('logout').addEventListener('click', () => logout());
$('filter-status').addEventListener('change', refresh);
$('filter-fleet').addEventListener('change', refresh);

if (token()) void start();
else logout();
