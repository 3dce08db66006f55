import { expect } from 'chai';
import { CLIENT_CLI, run, SERVER_CLI } from './support/processes.js';

/** Every command, and the help's first line of prose, which must say what the command does. */
const commands: [string, string[]][] = [
  [SERVER_CLI, ['start']],
  [SERVER_CLI, ['device', 'add']],
  [SERVER_CLI, ['device', 'list']],
  [SERVER_CLI, ['device', 'rm']],
  [SERVER_CLI, ['user', 'add']],
  [SERVER_CLI, ['user', 'list']],
  [SERVER_CLI, ['user', 'rm']],
  [SERVER_CLI, ['user', 'token']],
  [SERVER_CLI, ['fleet', 'add']],
  [SERVER_CLI, ['fleet', 'rm']],
  [SERVER_CLI, ['fleet', 'list']],
  [SERVER_CLI, ['fleet', 'member', 'add']],
  [SERVER_CLI, ['fleet', 'member', 'rm']],
  [SERVER_CLI, ['support', 'enable']],
  [SERVER_CLI, ['support', 'disable']],
  [SERVER_CLI, ['support', 'list']],
  [SERVER_CLI, ['audit']],
  [SERVER_CLI, ['ca']],
  [SERVER_CLI, ['ssh-key']],
  [CLIENT_CLI, ['agent']],
  [CLIENT_CLI, ['heartbeat']],
  [CLIENT_CLI, ['diagnose']],
  [CLIENT_CLI, ['login']],
  [CLIENT_CLI, ['device', 'tunnel']],
  [CLIENT_CLI, ['device', 'proxy']],
  [CLIENT_CLI, ['device', 'list']],
  [CLIENT_CLI, ['device', 'status']],
];

describe('--help on every command', function () {
  this.timeout(120_000);

  for (const [cli, words] of commands) {
    it(`${cli.includes('server') ? 'tunnel-server' : 'tunnel-client'} ${words.join(' ')} --help says what it does`, async () => {
      const r = await run(cli, [...words, '--help']);
      expect(r.code).to.equal(0);
      const [usage, , description] = r.stdout.split('\n');
      expect(usage).to.match(new RegExp(`^Usage: tunnel-(server|client) ${words.join(' ')}`));
      expect(description, r.stdout).to.match(/^[A-Z][a-z]+ .{20,}/);
    });
  }

  it('lists every command group at the top level', async () => {
    const server = await run(SERVER_CLI, ['--help']);
    for (const c of ['start', 'device', 'user', 'fleet', 'support', 'audit', 'ca', 'ssh-key']) expect(server.stdout).to.match(new RegExp(`^  ${c}\\b`, 'm'));
    const client = await run(CLIENT_CLI, ['--help']);
    for (const c of ['agent', 'heartbeat', 'diagnose', 'login', 'device']) expect(client.stdout).to.match(new RegExp(`^  ${c}\\b`, 'm'));
  });
});
