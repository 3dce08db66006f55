import { expect } from 'chai';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { addUser, runClient, startTunnel, useWorld } from './support/developer.js';
import { countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { CLIENT_CLI, run, SERVER_CLI } from './support/processes.js';

describe('users, tokens and tunnel-client login', function () {
  this.timeout(120_000);
  const world = useWorld();

  const admin = (args: string[]) => run(SERVER_CLI, [...args, '--data', world.server.dataDir]);

  it('adds, lists, rotates and removes users; a token is printed once and old tokens stop at once', async () => {
    const added = await admin(['user', 'add', 'alice', '--role', 'admin', '--json']);
    expect(added.code, added.stderr).to.equal(0);
    const alice = JSON.parse(added.stdout) as { name: string; role: string; createdAt: string; token: string };
    expect(alice).to.include({ name: 'alice', role: 'admin' });
    expect(alice.token).to.match(/^tnl_[A-Za-z0-9_-]{43}$/);
    expect(added.stderr).to.contain('shown once');

    const table = await admin(['user', 'list']);
    expect(table.stdout).to.match(/^NAME\s+ROLE\s+CREATED\n/).and.match(/\nalice\s+admin\s+\d{4}-/).and.match(/\ndev\s+developer\s+/);
    const listed = JSON.parse((await admin(['user', 'list', '--json'])).stdout) as { name: string }[];
    expect(listed.map((u) => u.name)).to.deep.equal(['alice', 'dev']);
    expect(JSON.stringify(listed)).to.not.contain('tnl_');

    const whoami = (token: string) => runClient(world.user, ['login', '--token', token], { XDG_CONFIG_HOME: path.join(world.user.env['XDG_CONFIG_HOME']!, 'scratch') });
    expect((await whoami(alice.token)).stdout).to.contain('as alice (admin)');
    const rotated = await admin(['user', 'token', 'alice']);
    expect(rotated.code, rotated.stderr).to.equal(0);
    const newToken = rotated.stdout.trim();
    expect(newToken).to.match(/^tnl_/).and.not.equal(alice.token);
    expect((await whoami(alice.token)).stderr).to.contain('[ERR_AUTH_BAD_TOKEN]');
    expect((await whoami(newToken)).code).to.equal(0);

    expect((await admin(['user', 'rm', 'alice'])).code).to.equal(0);
    expect((await whoami(newToken)).stderr).to.contain('[ERR_AUTH_BAD_TOKEN]');
    const again = await admin(['user', 'rm', 'alice']);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain('ERR_REGISTRY_NOT_FOUND');
    const badRole = await admin(['user', 'add', 'bob', '--role', 'root']);
    expect(badRole.stderr).to.contain('ERR_REGISTRY_INVALID_ROLE');
  });

  it('login checks the token with the server, stores it 0600, and later commands use it', async () => {
    const { server } = world;
    const carol = await addUser(server, 'carol');
    const xdg = carol.env['XDG_CONFIG_HOME']!;
    const file = path.join(xdg, 'tunnel-client', 'credentials.json');
    // Nothing from the environment: only what login stores may be used afterwards.
    const bare = { XDG_CONFIG_HOME: xdg, TUNNEL_SERVER: '', TUNNEL_TOKEN: '', TUNNEL_CA: '' };
    const serverUrl = `https://127.0.0.1:${server.port}`;

    const untrusted = await runClient(carol, ['login', '--server', serverUrl, '--token', carol.token], bare);
    expect(untrusted.code).to.equal(1);
    expect(untrusted.stderr).to.contain('is not trusted').and.contain('--ca').and.contain('[ERR_SERVER_UNTRUSTED]');
    const wrong = await runClient(carol, ['login', '--server', serverUrl, '--token', 'tnl_wrong', '--ca', carol.caFile], bare);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.contain('[ERR_AUTH_BAD_TOKEN]');
    expect(existsSync(file)).to.equal(false);

    // The token on standard input, where ps cannot see it.
    const login = await run(CLIENT_CLI, ['login', '--server', serverUrl, '--ca', carol.caFile], { env: { ...carol.env, ...bare }, input: `${carol.token}\n` });
    const noToken = await run(CLIENT_CLI, ['login', '--server', serverUrl, '--ca', carol.caFile], { env: { ...carol.env, ...bare }, input: '' });
    expect(noToken.code).to.equal(1);
    expect(noToken.stderr).to.contain('[ERR_TOKEN_EMPTY]');
    expect(login.code, login.stderr).to.equal(0);
    expect(login.stdout).to.equal(`Logged in to ${serverUrl} as carol (developer).\nCredentials saved to ${file} (mode 0600).\n`);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(stored).to.include({ server: serverUrl, token: carol.token, user: 'carol' });
    expect(stored['ca']).to.equal(readFileSync(carol.caFile, 'utf8'));

    const replier = await tcpServer('127.0.0.1', countingReplier);
    const local = await freePort();
    await startTunnel(carol, 'pi-1', ['-p', `${replier.port}:${local}`], bare);
    expect(await exchange(local, 'hi')).to.match(/^got 2 bytes/);

    // A flag beats the stored login.
    const overridden = await runClient(carol, ['device', 'tunnel', 'pi-1', '-p', '1', '--token', 'tnl_override'], bare);
    expect(overridden.stderr).to.contain('[ERR_AUTH_BAD_TOKEN]');
  });

  it('every command explains itself in --help', async () => {
    const commands: [string, string[]][] = [
      [SERVER_CLI, ['user', 'add']],
      [SERVER_CLI, ['user', 'list']],
      [SERVER_CLI, ['user', 'rm']],
      [SERVER_CLI, ['user', 'token']],
      [CLIENT_CLI, ['login']],
      [CLIENT_CLI, ['device', 'tunnel']],
      [CLIENT_CLI, ['device', 'proxy']],
    ];
    for (const [cli, args] of commands) {
      const r = await run(cli, [...args, '--help']);
      // Usage, then a blank line and a sentence that says what the command does.
      expect(r.stdout, args.join(' ')).to.match(new RegExp(`^Usage: tunnel-(server|client) ${args.join(' ')} `)).and.match(/\n\n[A-Z][^\n]+/);
    }
  });
});
