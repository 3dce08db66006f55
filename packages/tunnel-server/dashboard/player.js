// Plays an asciinema v2 recording of a terminal session back into xterm.js.
import { apiText } from './api.js';
import { $ } from './format.js';
import { loadXterm } from './xterm-loader.js';

/** Long pauses in a recording are shortened to this. */
const IDLE_LIMIT_S = 1;
let playing = null;

export function stopPlayer() {
  playing?.();
  playing = null;
}

export async function playRecording(id) {
  stopPlayer();
  const status = $('recording-status');
  status.textContent = 'loading…';
  status.dataset.state = 'loading';
  const [text, { Terminal }] = await Promise.all([apiText(`/v1/recordings/${encodeURIComponent(id)}`), loadXterm()]);
  const [headerLine, ...lines] = text.split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(headerLine);
  const events = lines.map((l) => JSON.parse(l));
  $('recording-title').textContent = `Recording #${id}: ${header.title ?? ''}`;
  const host = $('player');
  host.replaceChildren();
  const term = new Terminal({ cols: header.width, rows: header.height, disableStdin: true, fontSize: 14 });
  term.open(host);
  status.textContent = `playing ${events.length} events recorded ${new Date(header.timestamp * 1000).toISOString()}`;
  status.dataset.state = 'playing';

  let stopped = false;
  let timer = null;
  playing = () => {
    stopped = true;
    clearTimeout(timer);
    term.dispose();
  };
  let shown = 0;
  const step = (i) => {
    if (stopped) return;
    if (i >= events.length) {
      status.textContent = `played ${events.length} events`;
      status.dataset.state = 'done';
      return;
    }
    const [t, kind, data] = events[i];
    const wait = Math.min(Math.max(0, t - shown), IDLE_LIMIT_S);
    shown = t;
    timer = setTimeout(() => {
      if (kind === 'o') term.write(data);
      else if (kind === 'r') {
        const [cols, rows] = data.split('x').map(Number);
        term.resize(cols, rows);
      }
      step(i + 1);
    }, wait * 1000);
  };
  step(0);
}
