import { expect } from 'chai';
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { addDevice, FAST_AGENT_ARGS, startAgent, startServer, type ServerHandle } from './support/fixtures.js';
import { addUser, deviceReady, WORLD_FLEET } from './support/developer.js';
import { fakeClockEnv } from './support/faketime.js';
import { cleanup, run, SERVER_CLI, tempDir } from './support/processes.js';

/** Chromium trusts exactly this server key (the dev certificate's), instead of ignoring TLS errors. */
function spkiPin(server: ServerHandle): string {
  const cert = new X509Certificate(readFileSync(path.join(server.dataDir, 'server.pem')));
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

function badge(page: Page, name: string) {
  return page.locator('tr.device', { hasText: name }).locator('.badge');
}

describe('dashboard in a real browser (Chromium via playwright-core)', function () {
  this.timeout(180_000);
  let browser: Browser;

  after(async () => {
    await browser?.close();
    await cleanup();
  });

  it('logs in with a token, shows a device Offline, and turns it Online without a reload when its agent starts', async () => {
    const server = await startServer();
    await run(SERVER_CLI, ['fleet', 'add', WORLD_FLEET, '--data', server.dataDir]);
    const device = await addDevice(server.dataDir, server.port, { name: 'greenhouse', extraArgs: ['--fleet', WORLD_FLEET] });
    const skewed = await addDevice(server.dataDir, server.port, { name: 'skewed-clock', extraArgs: ['--fleet', WORLD_FLEET] });
    const operator = await addUser(server, 'operator', 'admin');

    browser = await chromium.launch({
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--ignore-certificate-errors-spki-list=${spkiPin(server)}`,
      ],
    });
    const page = await browser.newPage();
    await page.goto(`https://localhost:${server.port}/`);
    await expect(page.url()).to.match(/\/dashboard\/$/);

    await page.fill('#token', 'tnl_wrong');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login-error:has-text("Token refused")');

    await page.fill('#token', operator.token);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#who:has-text("operator (admin)")');
    expect(await page.isVisible('#login'), 'the login form is gone once logged in').to.equal(false);
    await badge(page, 'greenhouse').filter({ hasText: 'Offline' }).waitFor();
    expect(await badge(page, 'greenhouse').getAttribute('data-status')).to.equal('offline');

    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '2s']);
    await badge(page, 'greenhouse').filter({ hasText: 'Online' }).waitFor({ timeout: 60_000 });
    expect(await badge(page, 'greenhouse').textContent()).to.equal('Online');
    expect(navigations, 'the page updated itself; it was not reloaded').to.deep.equal([]);

    // A device whose clock is ten minutes ahead gets a warning in its row.
    const from = server.proc.logs.length;
    startAgent(skewed.file, [...FAST_AGENT_ARGS, '--no-heartbeat'], { env: fakeClockEnv('+10m') });
    await deviceReady(server, skewed.uuid, from);
    const warning = page.locator('tr.device', { hasText: 'skewed-clock' }).locator('td.warn');
    await warning.filter({ hasText: /clock \d+ s ahead/ }).waitFor({ timeout: 30_000 });
    expect(await badge(page, 'skewed-clock').textContent()).to.equal('Online (VPN only)');

    // Filter by status, then open a row's details.
    await page.selectOption('#filter-status', 'online');
    await page.locator('tr.device', { hasText: 'skewed-clock' }).waitFor({ state: 'detached' });
    expect(await page.locator('tr.device').count()).to.equal(1);
    expect(await page.locator('tr.device').first().textContent()).to.contain('greenhouse');
    await page.selectOption('#filter-status', '');
    await page.click('tr.device:has-text("greenhouse")');
    await page.waitForSelector('tr.details dd:has-text("connected since")');
    await page.screenshot({ path: process.env['DASHBOARD_SCREENSHOT'] ?? path.join(tempDir('dashboard-'), 'dashboard.png'), fullPage: true });
  });
});
