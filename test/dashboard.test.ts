import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, launchChromium } from './support/browser.js';
import { addDevice, eventually, FAST_AGENT_ARGS, startAgent, startServer } from './support/fixtures.js';
import { addUser, deviceReady, WORLD_FLEET } from './support/developer.js';
import { fakeClockEnv } from './support/faketime.js';
import { cleanup, run, SERVER_CLI } from './support/processes.js';

function badge(page: Page, name: string) {
  return page.locator('tr.device', { hasText: name }).locator('.badge');
}

/** The login lives in an HttpOnly, Secure, SameSite=Strict cookie of at most 15 minutes; no script can read a token. */
async function expectCookieSessionOnly(page: Page, token: string): Promise<void> {
  const stored = await page.evaluate<string>('JSON.stringify([{ ...sessionStorage }, { ...localStorage }, document.cookie])');
  expect(stored, 'nothing in sessionStorage, localStorage or script-readable cookies').to.equal('[{},{},""]');
  const cookies = await page.context().cookies();
  expect(cookies.map((c) => c.name)).to.deep.equal(['tunnel_session']);
  const [cookie] = cookies;
  expect(cookie).to.include({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
  expect(cookie!.value).to.not.contain(token.slice(4, 20));
  const lifetimeS = cookie!.expires - Date.now() / 1000;
  expect(lifetimeS, 'expires after at most 15 minutes').to.be.within(14 * 60, 15 * 60 + 5);
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

    browser = await launchChromium(server);
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
    await expectCookieSessionOnly(page, operator.token);
    await badge(page, 'greenhouse').filter({ hasText: 'Offline' }).waitFor();
    expect(await badge(page, 'greenhouse').getAttribute('data-status')).to.equal('offline');

    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '2s']);
    // By status, not text: "Online" is also part of "Online (VPN only)", shown until the first heartbeat.
    await page.locator('tr.device', { hasText: 'greenhouse' }).locator('.badge[data-status="online"]').waitFor({ timeout: 60_000 });
    expect(await badge(page, 'greenhouse').textContent()).to.equal('Online');
    expect(navigations, 'the page updated itself; it was not reloaded').to.deep.equal([]);

    // A device whose clock is ten minutes ahead gets a warning in its row.
    const from = server.proc.logs.length;
    startAgent(skewed.file, [...FAST_AGENT_ARGS, '--no-heartbeat'], { env: fakeClockEnv('+10m') });
    await deviceReady(server, skewed.uuid, from);
    const warning = page.locator('tr.device', { hasText: 'skewed-clock' }).locator('td.warn');
    await warning.filter({ hasText: /clock \d+ s ahead/ }).waitFor({ timeout: 30_000 });
    expect(await badge(page, 'skewed-clock').textContent()).to.equal('Online (VPN only)');

    // Filter by status, then open a device's page.
    await page.selectOption('#filter-status', 'online');
    await page.locator('tr.device', { hasText: 'skewed-clock' }).waitFor({ state: 'detached' });
    expect(await page.locator('tr.device').count()).to.equal(1);
    expect(await page.locator('tr.device').first().textContent()).to.contain('greenhouse');
    await page.selectOption('#filter-status', '');
    await page.screenshot({ path: process.env['DASHBOARD_SCREENSHOT'] ?? artifactPath('dashboard.png'), fullPage: true });
    await page.click('tr.device:has-text("greenhouse")');
    await page.waitForSelector('#device-facts dd:has-text("tunnel up since")');

    // A state-changing request with the cookie but without the session's CSRF token is refused,
    // the same with it goes through (the terminal button sends it).
    const forged = await page.evaluate(async () => {
      const r = await fetch('/v1/devices/greenhouse/terminal', { method: 'POST' });
      return { status: r.status, body: (await r.json()) as { error?: { code?: string } } };
    });
    expect(forged.status).to.equal(403);
    expect(forged.body.error?.code).to.equal('ERR_SESSION_CSRF');
    // Nor can a cross-site form log the browser in to another account: a login must be JSON.
    const formLogin = await page.evaluate(
      (token) => fetch('/v1/session', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ token }) }).then((r) => r.status),
      operator.token,
    );
    expect(formLogin).to.equal(415);

    // A reload keeps the session; logging out drops the cookie.
    await page.reload();
    await page.waitForSelector('#who:has-text("operator (admin)")');
    await expectCookieSessionOnly(page, operator.token);
    await page.click('#logout');
    await page.waitForSelector('#login:visible');
    await eventually(async () => ((await page.context().cookies()).length === 0 ? true : undefined), 10_000, 'the cookie to be dropped');
    expect(await page.evaluate(() => fetch('/v1/whoami').then((r) => r.status))).to.equal(401);
  });
});
