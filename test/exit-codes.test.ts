import { expect } from 'chai';
import path from 'node:path';
import { cleanup, CLIENT_CLI, run, SERVER_CLI, tempDir } from './support/processes.js';

describe('exit statuses of both command lines', function () {
  this.timeout(60_000);
  after(cleanup);

  const cases: Array<[string, string, string[], number]> = [
    ['tunnel-server', SERVER_CLI, ['--help'], 0],
    ['tunnel-server', SERVER_CLI, ['bogus'], 2],
    ['tunnel-server', SERVER_CLI, ['device', 'add'], 2],
    ['tunnel-server', SERVER_CLI, ['start', '--port', 'x'], 2],
    ['tunnel-server', SERVER_CLI, ['device', 'list', '--data', path.join(tempDir(), 'missing')], 1],
    ['tunnel-client', CLIENT_CLI, [], 2],
    ['tunnel-client', CLIENT_CLI, ['--version'], 0],
    ['tunnel-client', CLIENT_CLI, ['device', 'tunnel', 'pi-1'], 2],
    ['tunnel-client', CLIENT_CLI, ['device', 'list', '--status', 'sleepy'], 2],
    ['tunnel-client', CLIENT_CLI, ['agent', '--config', path.join(tempDir(), 'missing.json')], 1],
  ];
  for (const [name, cli, args, status] of cases) {
    it(`${name} ${args.join(' ')} exits ${status}`, async () => {
      const r = await run(cli, args, { env: { TUNNEL_SERVER: '', TUNNEL_TOKEN: '' } });
      expect(r.code, r.stderr).to.equal(status);
      if (status !== 0) expect(r.stderr).to.not.equal('');
    });
  }
});
