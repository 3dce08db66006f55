// A shell on a device: xterm.js in the page, a WebSocket to the server, which holds the SSH
// session (the browser never sees a key). The server's `end` message says why it stopped.
import { api } from './api.js';
import { $ } from './format.js';
import { loadXterm } from './xterm-loader.js';

let current = null;

function showEnd(message, code) {
  const el = $('terminal-end');
  el.hidden = false;
  el.dataset.code = code ?? '';
  el.textContent = code ? `${message} (${code})` : message;
}

export function closeTerminal() {
  current?.close();
  current = null;
}

export async function openTerminal(uuid) {
  closeTerminal();
  $('terminal-panel').hidden = false;
  $('terminal-end').hidden = true;
  $('terminal-status').textContent = 'starting…';
  const { Terminal, FitAddon } = await loadXterm();
  const host = $('terminal');
  host.replaceChildren();
  const term = new Terminal({ cursorBlink: true, fontSize: 14, scrollback: 5000 });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  fit.fit();
  host.dataset.size = `${term.cols}x${term.rows}`;

  let ws = null;
  let ended = false;
  const send = (m) => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify(m));
  const resizing = new ResizeObserver(() => fit.fit());
  resizing.observe(host);
  term.onResize(({ cols, rows }) => {
    host.dataset.size = `${cols}x${rows}`;
    send({ type: 'resize', cols, rows });
  });
  term.onData((data) => send({ type: 'input', data }));
  // Ctrl+Shift+C / Ctrl+Shift+V copy and paste, as in desktop terminals (Ctrl+C stays ^C).
  term.attachCustomKeyEventHandler((e) => {
    if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
    if (e.code === 'KeyC') {
      void copy();
      return false;
    }
    if (e.code === 'KeyV') {
      void paste();
      return false;
    }
    return true;
  });
  const copy = async () => {
    const selection = term.getSelection();
    if (selection) await navigator.clipboard.writeText(selection);
  };
  const paste = async () => term.paste(await navigator.clipboard.readText());
  $('terminal-copy').onclick = () => void copy().catch((err) => showEnd(`copy failed: ${err.message}`));
  $('terminal-paste').onclick = () => void paste().catch((err) => showEnd(`paste failed: ${err.message}`));

  const session = {
    close: () => {
      ended = true;
      resizing.disconnect();
      ws?.close();
      term.dispose();
      $('terminal-panel').hidden = true;
    },
  };
  current = session;

  try {
    const { ticket, path } = await api(`/v1/devices/${encodeURIComponent(uuid)}/terminal`, { method: 'POST' });
    const query = new URLSearchParams({ ticket, cols: String(term.cols), rows: String(term.rows) });
    ws = new WebSocket(`wss://${location.host}${path}?${query}`);
  } catch (err) {
    showEnd(err.message, err.code);
    $('terminal-status').textContent = 'not connected';
    return;
  }
  ws.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.type === 'output') term.write(m.data);
    else if (m.type === 'status') $('terminal-status').textContent = m.message;
    else if (m.type === 'ready') {
      $('terminal-status').textContent = `connected to ${m.device} as ${m.user}${m.recording ? ' · this session is recorded' : ''}`;
      term.focus();
    } else if (m.type === 'end') {
      ended = true;
      $('terminal-status').textContent = 'session ended';
      showEnd(m.message, m.code);
    }
  };
  ws.onclose = () => {
    if (!ended && current === session) {
      $('terminal-status').textContent = 'session ended';
      showEnd('the connection to the server was lost');
    }
    ended = true;
  };
}
