import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactPath, launchChromium } from './support/browser.js';
import { addUser, apiGet, deviceReady, WORLD_FLEET, type UserHandle } from './support/developer.js';
import { addDevice, FAST_AGENT_ARGS, startAgent, startServer, type DeviceHandle, type ServerHandle } from './support/fixtures.js';
import { cleanup, run, SERVER_CLI } from './support/processes.js';
import { startSshd, type SshdHandle } from './support/sshd.js';

/** The terminal's screen as text, one string per row (xterm.js draws rows as DOM elements). */
function screenRows(page: Page, host = '#terminal'): Promise<string[]> {
  return page.$$eval(`${host} .xterm-rows > div`, (rows) => rows.map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
}

async function waitForRow(page: Page, matches: (row: string) => boolean, what: string, host = '#terminal'): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const row = (await screenRows(page, host)).find(matches);
    if (row !== undefined) return row;
    if (Date.now() > deadline) throw new Error(`no terminal row shows ${what}; screen:\n${(await screenRows(page, host)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function logIn(context: BrowserContext, server: ServerHandle, user: UserHandle): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`https://localhost:${server.port}/dashboard/`);
  await page.fill('#token', user.token);
  await page.click('#login button[type=submit]');
  await page.waitForSelector(`#who:has-text("${user.name}")`);
  return page;
}

/** Types into the shell as a person would: focus the terminal, then keys. */
async function typeLine(page: Page, line: string): Promise<void> {
  await page.click('#terminal');
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

async function openDeviceTerminal(page: Page, search: string, name: string): Promise<void> {
  await page.fill('#search', search);
  await page.locator('tr.device', { hasText: name }).click();
  await page.waitForSelector(`#device-name:has-text("${name}")`);
  await page.click('#open-terminal');
}

describe('web terminal and device page in a real browser (Chromium, real sshd through the tunnel)', function () {
  this.timeout(300_000);
  let browser: Browser;
  let sshd: SshdHandle;
  let server: ServerHandle;
  let device: DeviceHandle;
  let admin: UserHandle;
  let serverKey: string;

  before(async () => {
    sshd = await startSshd();
    // The server's defaults (22222, root) fit no device here: the fleet names the user and the
    // device its own port, as an operator does for a fleet whose sshd is not balenaOS's.
    server = await startServer();
    // The device's setup of docs/ssh.md: the server's public key goes into authorized_keys.
    serverKey = (await run(SERVER_CLI, ['ssh-key', '--data', server.dataDir])).stdout;
    expect(serverKey).to.match(/^ssh-ed25519 \S+ tunnel-server web terminal\n$/);
    writeFileSync(path.join(sshd.dir, 'authorized_keys'), serverKey);
    await run(SERVER_CLI, ['fleet', 'add', WORLD_FLEET, '--data', server.dataDir]);
    device = await addDevice(server.dataDir, server.port, { name: 'greenhouse', extraArgs: ['--fleet', WORLD_FLEET] });
    await addDevice(server.dataDir, server.port, { name: 'boiler-room', extraArgs: ['--fleet', WORLD_FLEET] });
    for (const name of ['pump-1', 'pump-2', 'gate']) await addDevice(server.dataDir, server.port, { name, extraArgs: ['--fleet', WORLD_FLEET] });
    const fleetLogin = await run(SERVER_CLI, ['fleet', 'terminal', WORLD_FLEET, '--ssh-user', sshd.user, '--ssh-port', '1', '--data', server.dataDir]);
    expect(fleetLogin.stdout).to.equal(`fleet ${WORLD_FLEET}: browser terminal logs in on port 1 as ${sshd.user}\n`);
    const deviceLogin = await run(SERVER_CLI, ['device', 'terminal', 'greenhouse', '--ssh-port', String(sshd.port), '--json', '--data', server.dataDir]);
    expect(JSON.parse(deviceLogin.stdout)).to.deep.equal({ sshPort: sshd.port, sshUser: null });
    admin = await addUser(server, 'operator', 'admin');
    startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '2s']);
    await deviceReady(server, device.uuid);
    browser = await launchChromium(server);
  });

  after(async () => {
    await browser?.close();
    await cleanup();
  });

  it('finds a device, opens its shell, runs echo $((6*7)), resizes, pastes, and the session is recorded and playable', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `https://localhost:${server.port}` });
    const page = await logIn(context, server, admin);

    // The search box filters on the server: 5 devices, 1 match.
    await page.waitForSelector('#page-info:has-text("1–5 of 5")');
    await page.fill('#search', 'greenh');
    await page.waitForSelector('#page-info:has-text("1–1 of 1")');
    expect(await page.locator('tr.device').count()).to.equal(1);
    await page.screenshot({ path: artifactPath('device-list.png'), fullPage: true });

    await page.locator('tr.device', { hasText: 'greenhouse' }).click();
    await page.waitForSelector('#device-facts dd:has-text("tunnel up since")');
    const facts = await page.locator('#device-facts').textContent();
    expect(facts).to.match(/Connected tonode \S+ from 127\.0\.0\.1/);
    expect(facts).to.contain('heartbeat fresh');
    expect(facts).to.match(/Agent version\d+\.\d+\.\d+/);

    await page.click('#open-terminal');
    await page.waitForSelector('#terminal-status:has-text("connected to greenhouse")');
    await typeLine(page, 'echo $((6*7))');
    await waitForRow(page, (r) => r === '42', '42');

    // The stream shows on the device page while it runs, with its bytes.
    await page.waitForSelector('#device-streams tr:has-text("terminal")');
    expect(await page.locator('#device-streams tr', { hasText: 'terminal' }).textContent()).to.contain(`127.0.0.1:${sshd.port}`);

    // Resize: the page gets narrower, the terminal refits and the shell's PTY follows.
    const before = await page.getAttribute('#terminal', 'data-size');
    await page.setViewportSize({ width: 800, height: 900 });
    // A selector, not waitForFunction: the page's CSP (rightly) forbids evaluating strings.
    await page.locator(`#terminal:not([data-size="${before}"])`).waitFor();
    const [cols, rows] = (await page.getAttribute('#terminal', 'data-size'))!.split('x');
    await typeLine(page, 'stty size');
    await waitForRow(page, (r) => r === `${rows} ${cols}`, `stty size = ${rows} ${cols}`);

    // Paste from the clipboard.
    await page.evaluate(`navigator.clipboard.writeText('echo pasted-$((2+3))')`);
    await page.click('#terminal-paste');
    await page.click('#terminal');
    await page.keyboard.press('Enter');
    await waitForRow(page, (r) => r === 'pasted-5', 'pasted-5');
    await page.screenshot({ path: artifactPath('terminal.png'), fullPage: true });

    // Copy: a double-click selects the word, the Copy button puts it on the clipboard.
    const rows42 = page.locator('#terminal .xterm-rows > div', { hasText: /^42\s*$/ });
    // xterm.js takes the mouse on its screen layer, above the rows: click where the row is.
    const box = (await rows42.first().boundingBox())!;
    await page.mouse.dblclick(box.x + 5, box.y + box.height / 2);
    await page.click('#terminal-copy');
    expect(await page.evaluate('navigator.clipboard.readText()')).to.equal('42');

    await typeLine(page, 'exit');
    await page.waitForSelector('#terminal-end:has-text("the shell exited")');

    // The audit view lists the session with its recording, and the dashboard plays it back.
    await page.locator('#device-audit a.play').first().click();
    await page.waitForSelector('#recording-status[data-state="done"]', { timeout: 60_000 });
    await waitForRow(page, (r) => r === '42', '42 in the playback', '#player');
    await context.close();

    // `tunnel-server audit` shows it, and the cast is asciinema v2 with the output and the resize.
    const audit = await run(SERVER_CLI, ['audit', '--data', server.dataDir, '--json']);
    const entries = JSON.parse(audit.stdout) as Array<{ id: number; user: string; target: string; result: string; recording: string | null; bytesDown: number; via: string; source: string }>;
    const session = entries.find((e) => e.recording !== null);
    expect(session, audit.stdout).to.include({ user: 'operator', target: `127.0.0.1:${sshd.port}`, result: 'ok', via: 'terminal' });
    expect(session!.source, 'the browser\'s address').to.match(/127\.0\.0\.1$/);
    expect(session!.bytesDown).to.be.greaterThan(0);
    const table = await run(SERVER_CLI, ['audit', '--data', server.dataDir]);
    expect(table.stdout).to.contain('RECORDING').and.to.contain(session!.recording!);
    const [header, ...events] = readFileSync(session!.recording!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(header).to.include({ version: 2 });
    expect((header as { tunnel: { user: string; deviceUuid: string } }).tunnel).to.include({ user: 'operator', deviceUuid: device.uuid });
    const typed = events as [number, string, string][];
    expect(typed.some(([, kind, data]) => kind === 'o' && data.includes('42'))).to.equal(true);
    expect(typed.some(([, kind, data]) => kind === 'r' && data === `${cols}x${rows}`)).to.equal(true);
  });

  it('says why when the device is offline, its sshd refuses the server key, or the user may not reach it', async () => {
    const context = await browser.newContext();
    const page = await logIn(context, server, admin);

    await openDeviceTerminal(page, 'boiler', 'boiler-room');
    await page.waitForSelector('#terminal-end[data-code="ERR_OPEN_DEVICE_OFFLINE"]');
    expect(await page.textContent('#terminal-end')).to.contain('is offline (it has never connected)');

    writeFileSync(path.join(sshd.dir, 'authorized_keys'), '');
    try {
      await page.goto(`https://localhost:${server.port}/dashboard/#/`);
      await openDeviceTerminal(page, 'greenh', 'greenhouse');
      await page.waitForSelector('#terminal-end[data-code="ERR_TERMINAL_SSH_AUTH"]');
      expect(await page.textContent('#terminal-end')).to.contain(serverKey.trim());
    } finally {
      writeFileSync(path.join(sshd.dir, 'authorized_keys'), serverKey);
    }

    const outsider = await addUser(server, 'outsider', 'support');
    // A browser context of their own: the session cookie is shared by the tabs of one browser.
    const outsiderContext = await browser.newContext();
    const denied = await logIn(outsiderContext, server, outsider);
    await denied.goto(`https://localhost:${server.port}/dashboard/#/device/${device.uuid}`);
    // A device they may not reach is, to them, no device at all.
    await denied.waitForSelector(`#error:has-text('no device matches "${device.uuid}"')`);
    await Promise.all([context.close(), outsiderContext.close()]);
  });

  it('cuts a support user\'s session when their 20 s grant expires, and says so', async () => {
    const helpdesk = await addUser(server, 'helpdesk', 'support');
    const context = await browser.newContext();
    // Logged in first: the 20 s start with the grant, not with the login.
    const page = await logIn(context, server, helpdesk);
    const granted = await run(SERVER_CLI, ['support', 'enable', '--device', 'greenhouse', '--duration', '20s', '--ports', String(sshd.port), '--data', server.dataDir]);
    expect(granted.code, granted.stderr).to.equal(0);

    await openDeviceTerminal(page, 'green', 'greenhouse');
    await page.waitForSelector('#device-grants tr:has-text("this device")');
    await page.waitForSelector('#terminal-status:has-text("connected to greenhouse")');
    await typeLine(page, 'echo $((6*7))');
    await waitForRow(page, (r) => r === '42', '42');

    await page.waitForSelector('#terminal-end[data-code="ERR_TERMINAL_ACCESS_ENDED"]', { timeout: 60_000 });
    const message = await page.textContent('#terminal-end');
    expect(message).to.match(/access ended: support access to [0-9a-f]{7} expired/);
    await page.screenshot({ path: artifactPath('terminal-grant-expired.png'), fullPage: true });
    await context.close();

    const audit = await run(SERVER_CLI, ['audit', '--data', server.dataDir, '--user', 'helpdesk', '--json']);
    const [entry] = JSON.parse(audit.stdout) as Array<{ id: number; result: string }>;
    expect(entry).to.include({ result: 'access-revoked' });

    // A recording is played by admins and by whoever made it, nobody else.
    const own = await apiGet(server, `/v1/recordings/${entry!.id}`, helpdesk.token);
    expect(own.status).to.equal(200);
    expect(own.contentType).to.contain('application/x-asciicast');
    expect(own.text).to.contain('access ended: support access to');
    const others = await apiGet(server, '/v1/recordings/1', helpdesk.token);
    expect(others.status).to.equal(404);
    expect(others.text).to.contain('ERR_RECORDING_NOT_FOUND');
    expect((await apiGet(server, `/v1/recordings/${entry!.id}`, admin.token)).status).to.equal(200);
  });
});
