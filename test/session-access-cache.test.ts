import { expect } from 'chai';
import { auditLog } from './support/audit.js';
import { addUser, startTunnel, useWorld, WORLD_FLEET } from './support/developer.js';
import { eventually } from './support/fixtures.js';
import { countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { run, SERVER_CLI } from './support/processes.js';

async function attempt(port: number): Promise<string> {
  try {
    return await exchange(port, 'ping');
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

async function admin(dataDir: string, args: string[]): Promise<string> {
  const r = await run(SERVER_CLI, [...args, '--data', dataDir]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * The server keeps what a tunnel session's opens read from the registry (session-access-cache.ts)
 * while nothing changed: a change made by an admin command in another process must still refuse
 * the very next stream on the same session, and every stream must still be audited.
 */
describe('a session that keeps its access answers still hears of every withdrawal (real processes)', function () {
  this.timeout(180_000);
  const world = useWorld();
  let replier: { port: number };

  before(async () => {
    replier = await tcpServer('127.0.0.1', countingReplier);
  });

  it('refuses the next stream on the same session once the user left the fleet, and lets it in again after rejoining', async () => {
    const { server } = world;
    const person = await addUser(server, 'cached', 'developer');
    const local = await freePort();
    const tunnel = await startTunnel(person, 'pi-1', ['-p', `${replier.port}:${local}`]);
    // Several opens on one session: the later ones are answered from what the first one read.
    for (let i = 0; i < 3; i++) expect(await attempt(local)).to.match(/^got 4 bytes/);

    await admin(server.dataDir, ['fleet', 'member', 'rm', WORLD_FLEET, 'cached']);
    expect(await attempt(local)).to.not.match(/^got/);
    expect(await tunnel.waitForStdout(/Connection #4 [^\n]*failed[^\n]*/)).to.contain('access denied').and.contain(`not a member of fleet "${WORLD_FLEET}"`);

    await admin(server.dataDir, ['fleet', 'member', 'add', WORLD_FLEET, 'cached']);
    expect(await attempt(local)).to.match(/^got 4 bytes/);

    const rows = await eventually(async () => {
      const mine = (await auditLog(server.dataDir)).filter((r) => r.user === 'cached');
      return mine.length === 5 && mine.every((r) => r.result !== null) ? mine : undefined;
    });
    expect(rows.map((r) => r.result).sort()).to.deep.equal(['access-denied', 'ok', 'ok', 'ok', 'ok']);
    await tunnel.kill();
  });

  it('refuses the next stream on the same session once its token was rotated', async () => {
    const { server } = world;
    const person = await addUser(server, 'rotated', 'developer');
    const local = await freePort();
    const tunnel = await startTunnel(person, 'pi-1', ['-p', `${replier.port}:${local}`]);
    for (let i = 0; i < 2; i++) expect(await attempt(local)).to.match(/^got 4 bytes/);
    await admin(server.dataDir, ['user', 'token', 'rotated']);
    expect(await attempt(local)).to.not.match(/^got/);
    expect(await tunnel.waitForStdout(/Connection #3 [^\n]*failed[^\n]*/)).to.contain('access denied');
    await tunnel.kill();
  });
});
