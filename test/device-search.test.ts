import { expect } from 'chai';
import { openRegistry } from 'tunnel-server';
import { launchChromium } from './support/browser.js';
import { addUser, apiGet } from './support/developer.js';
import { startServer } from './support/fixtures.js';
import { cleanup, tempDir } from './support/processes.js';

const DEVICES = 10_000;
const name = (i: number): string => `sensor-${String(i).padStart(5, '0')}`;

interface Page {
  devices: { name: string; fleet: string }[];
  total: number;
  offset: number;
}

describe(`device search and paging over ${DEVICES} devices`, function () {
  this.timeout(300_000);
  after(() => cleanup());

  it('filters on the server and sends one page, to the API and to a real browser', async () => {
    const dataDir = tempDir('tunnel-data-');
    const registry = await openRegistry({ dataDir });
    await registry.fleets.create('north');
    await registry.fleets.create('south');
    // A device's key is opaque to the registry; these devices never connect.
    const key = Buffer.alloc(32, 7).toString('base64');
    await Promise.all(Array.from({ length: DEVICES }, (_, i) => registry.devices.create({ name: name(i), fleet: i % 2 === 0 ? 'north' : 'south', authPublicKey: key })));
    await registry.close();
    const server = await startServer({ dataDir });
    const admin = await addUser(server, 'operator', 'admin');
    const get = async (query: string): Promise<Page> => {
      const r = await apiGet(server, `/v1/devices?${query}`, admin.token);
      expect(r.status, r.text).to.equal(200);
      return JSON.parse(r.text) as Page;
    };

    const started = Date.now();
    const first = await get('limit=50');
    const elapsed = Date.now() - started;
    expect(first.total).to.equal(DEVICES);
    expect(first.devices.map((d) => d.name)).to.deep.equal(Array.from({ length: 50 }, (_, i) => name(i)));
    // A figure for the record, not a pass mark: the machine is shared.
    console.log(`      first page of ${DEVICES} devices: ${elapsed} ms`);

    const last = await get(`limit=50&offset=${DEVICES - 20}`);
    expect(last).to.include({ total: DEVICES, offset: DEVICES - 20 });
    expect(last.devices).to.have.length(20);
    const warm = Date.now();
    const searched = await get('q=SENSOR-0420&limit=50');
    console.log(`      a search over them, warm: ${Date.now() - warm} ms`);
    expect(searched.devices.map((d) => d.name)).to.deep.equal(Array.from({ length: 10 }, (_, i) => name(4200 + i)));
    const north = await get('fleet=north&q=sensor-0001&limit=50');
    expect(north.total).to.equal(5);
    expect(north.devices.every((d) => d.fleet === 'north')).to.equal(true);
    for (const bad of ['limit=0', 'limit=501', 'offset=-1', 'offset=x']) {
      const r = await apiGet(server, `/v1/devices?${bad}`, admin.token);
      expect(r.status, bad).to.equal(400);
      expect(r.text).to.contain('ERR_API_BAD_FILTER');
    }

    const browser = await launchChromium(server);
    try {
      const page = await browser.newPage();
      await page.goto(`https://localhost:${server.port}/dashboard/`);
      await page.fill('#token', admin.token);
      await page.click('#login button[type=submit]');
      await page.waitForSelector(`#page-info:has-text("1–50 of ${DEVICES}")`);
      expect(await page.locator('tr.device').count(), 'one page of rows, not 10,000').to.equal(50);
      await page.click('#page-next');
      await page.waitForSelector(`#page-info:has-text("51–100 of ${DEVICES}")`);
      await page.fill('#search', 'sensor-0999');
      await page.waitForSelector('#page-info:has-text("1–10 of 10")');
      expect(await page.locator('tr.device').count()).to.equal(10);
    } finally {
      await browser.close();
    }
  });
});
