// The device list: search and filters applied by the server, one page of rows at a time.
import { api } from './api.js';
import { $, ago, cell, statusBadge } from './format.js';

const PAGE = 50;
const CLOCK_WARN_MS = 60_000;
// The server's code (AuthErrorCode.DuplicateDevice) for a second agent turned away.
const DUPLICATE_DEVICE = 'ERR_AUTH_DUPLICATE_DEVICE';
let offset = 0;

function warnings(d) {
  const out = [];
  if (d.clockOffsetMs !== null && Math.abs(d.clockOffsetMs) > CLOCK_WARN_MS) {
    out.push(`clock ${Math.round(Math.abs(d.clockOffsetMs) / 1000)} s ${d.clockOffsetMs > 0 ? 'ahead' : 'behind'}`);
  }
  if (d.lastError && Date.now() - Date.parse(d.lastError.at) < 3_600_000) {
    out.push(d.lastError.code === DUPLICATE_DEVICE ? 'duplicate device: two agents share its config' : `auth failed: ${d.lastError.code}`);
  }
  if ((d.authFailures ?? 0) >= 3) out.push(`${d.authFailures} failed authentications`);
  return out;
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
    cell(row, statusBadge(document.createElement('span'), d));
    cell(row, ago(d.statusSince));
    cell(row, ago(d.lastHeartbeatAt));
    cell(row, d.vpn.remoteAddress ?? '—', 'mono');
    cell(row, d.agentVersion ?? '—');
    cell(row, warnings(d).join('; '), 'warn');
    row.addEventListener('click', () => (location.hash = `#/device/${d.uuid}`));
    body.append(row);
  }
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

export async function refreshDevices() {
  const query = new URLSearchParams({ offset: String(offset), limit: String(PAGE) });
  if ($('search').value.trim()) query.set('q', $('search').value.trim());
  if ($('filter-status').value) query.set('status', $('filter-status').value);
  if ($('filter-fleet').value) query.set('fleet', $('filter-fleet').value);
  const { devices, fleets, total } = await api(`/v1/devices?${query}`);
  if (offset > 0 && offset >= total) {
    offset = Math.max(0, total - PAGE);
    return refreshDevices();
  }
  updateFleets(fleets ?? []);
  render(devices);
  $('summary').textContent = `${total} device${total === 1 ? '' : 's'}`;
  $('page-info').textContent = total === 0 ? 'no devices match' : `${offset + 1}–${offset + devices.length} of ${total}`;
  $('page-prev').disabled = offset === 0;
  $('page-next').disabled = offset + devices.length >= total;
  $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

/** Wires the controls; `refresh` reloads the list and reports errors. */
export function setUpDeviceList(refresh) {
  let typing = null;
  const fromStart = () => {
    offset = 0;
    void refresh();
  };
  $('search').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(fromStart, 250);
  });
  $('filter-status').addEventListener('change', fromStart);
  $('filter-fleet').addEventListener('change', fromStart);
  $('page-prev').addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE);
    void refresh();
  });
  $('page-next').addEventListener('click', () => {
    offset += PAGE;
    void refresh();
  });
}
