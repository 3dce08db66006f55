import { expect } from 'chai';
import { cleanup, Proc, SERVER_CLI, tempDir } from './support/processes.js';

describe('log lines for people and for machines', function () {
  this.timeout(60_000);
  after(cleanup);

  it('on a terminal the server logs readable lines, not JSON (script(1) gives it one)', async () => {
    const command = `exec timeout 50 '${process.execPath}' '${SERVER_CLI}' start --data '${tempDir('tunnel-data-')}' --host 127.0.0.1 --port 0`;
    const proc = new Proc('script', ['-qec', command, '/dev/null'], { env: { LOG_LEVEL: 'info' } });
    const seen = await proc.waitForStdout(/\d\d:\d\d:\d\d INFO  tunnel server listening {2}host=127\.0\.0\.1 port=\d+/);
    expect(seen).to.not.contain('{"level"');
    await proc.kill();
  });

  it('without a terminal the same line is JSON', async () => {
    const proc = new Proc(process.execPath, [SERVER_CLI, 'start', '--data', tempDir('tunnel-data-'), '--host', '127.0.0.1', '--port', '0']);
    const line = await proc.waitForLog((l) => l.msg === 'tunnel server listening');
    expect(line.level).to.equal('info');
    await proc.kill();
  });
});
