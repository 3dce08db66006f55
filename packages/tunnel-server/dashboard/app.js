// The dashboard: token login (exchanged for a session cookie), then the device list (#/), a device's page (#/device/UUID) with its
// terminal, and a recording's playback (#/recording/ID). Views poll the JSON API.
import { session } from './api.js';
import { refreshDevicePage } from './device-page.js';
import { refreshDevices, setUpDeviceList } from './devices.js';
import { $ } from './format.js';
import { playRecording, stopPlayer } from './player.js';
import { closeTerminal, openTerminal } from './terminal.js';

const POLL_MS = 2000;
let timer = null;

function route() {
  const [, view = '', arg = ''] = location.hash.split('/');
  return view === 'device' && arg ? { view: 'device', arg } : view === 'recording' && arg ? { view: 'recording', arg } : { view: 'list' };
}

async function refresh() {
  const r = route();
  try {
    if (r.view === 'device') await refreshDevicePage(r.arg);
    else if (r.view === 'list') await refreshDevices();
    $('error').textContent = '';
  } catch (err) {
    if (err.status === 401) return logout(`Your session ended: ${err.message}`);
    $('error').textContent = `Could not load ${r.view === 'device' ? 'the device' : 'devices'}: ${err.message}`;
  }
}

function show() {
  const r = route();
  $('list-view').hidden = r.view !== 'list';
  $('device-view').hidden = r.view !== 'device';
  $('recording-view').hidden = r.view !== 'recording';
  if (r.view !== 'device') closeTerminal();
  if (r.view !== 'recording') stopPlayer();
  $('error').textContent = '';
  clearInterval(timer);
  if (r.view === 'recording') {
    playRecording(r.arg).catch((err) => ($('error').textContent = `Could not play the recording: ${err.message}`));
    return;
  }
  void refresh();
  timer = setInterval(refresh, POLL_MS);
}

/** Shows the app for a session, once login() or resume() has it. */
function enter(me) {
  $('who').textContent = `${me.name} (${me.role})`;
  $('login').hidden = true;
  $('login-error').textContent = '';
  $('app').hidden = false;
  $('logout').hidden = false;
  show();
}

function logout(message = '') {
  clearInterval(timer);
  closeTerminal();
  stopPlayer();
  void session.logout();
  $('app').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('login').hidden = false;
  $('login-error').textContent = message;
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  $('token').value = '';
  session.login(token).then(enter, (err) => logout(err.status === 401 ? `Token refused: ${err.message}` : `Server unreachable: ${err.message}`));
});
$('logout').addEventListener('click', () => logout());
$('open-terminal').addEventListener('click', () => {
  openTerminal(route().arg).catch((err) => ($('error').textContent = `Could not open the terminal: ${err.message}`));
});
$('terminal-close').addEventListener('click', () => closeTerminal());
$('recording-replay').addEventListener('click', () => show());
setUpDeviceList(refresh);
window.addEventListener('hashchange', () => session.loggedIn() && show());

// A reload keeps the session (the cookie) until it expires; the page never stores a token.
session.resume().then(enter, () => logout());
