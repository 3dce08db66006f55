// Small DOM and text helpers the views share.
export const $ = (id) => document.getElementById(id);

export function ago(iso) {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function text(value) {
  const span = document.createElement('span');
  span.textContent = value ?? '—';
  return span;
}

export function cell(row, content, className) {
  const td = document.createElement('td');
  if (className) td.className = className;
  td.append(typeof content === 'string' || content === null || content === undefined ? text(content) : content);
  row.append(td);
}

/** A table body from rows of cells; `empty` fills a lone row when there are none. */
export function fillTable(body, rows, empty) {
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = body.parentElement.querySelectorAll('th').length;
    td.className = 'muted';
    td.textContent = empty;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const cells of rows) {
    const tr = document.createElement('tr');
    for (const c of cells) cell(tr, c);
    body.append(tr);
  }
}

export function definitionList(dl, rows) {
  dl.replaceChildren();
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v ?? '—';
    dl.append(dt, dd);
  }
}

export function statusBadge(badge, d) {
  badge.className = `badge ${d.status}`;
  badge.dataset.status = d.status;
  badge.textContent = d.statusLabel;
  return badge;
}
