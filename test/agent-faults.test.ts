import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAgent } from './support/fixtures.js';
import { expectLogSchema } from './support/log-schema.js';
import { cleanup, tempDir, type LogLine } from './support/processes.js';
import { startStallingServer, type StallPhase } from './support/stalling-servers.js';

const CONNECT_TIMEOUT_MS = 2_000;
/** Room for a loaded machine on top of a deadline; still far below "hangs forever". */
const SLACK_MS = 6_000;

function stalledDeviceConfig(port: number, serverCA: string): string {
  const file = path.join(tempDir('tunnel-device-'), 'config.json');
  const config = {
    uuid: randomBytes(16).toString('hex'),
    deviceApiKey: 'd'.repeat(64),
    vpnEndpoint: '127.0.0.1',
    vpnPort: port,
    serverCA,
    serverIdentityKey: 'A'.repeat(43),
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const at = (line: LogLine): number => Date.parse(String(line['time']));

describe('agent faults: stalled phases and stop signals (real agent process, real stalling servers)', function () {
  this.timeout(120_000);
  after(cleanup);

  // `proxy`: the stalling server is the --proxy (an HTTP proxy that accepts and never answers CONNECT).
  const cases: Array<{ phase: StallPhase; code: string; words: RegExp; proxy?: true }> = [
    { phase: 'tls', proxy: true, code: 'ERR_PROXY_TIMEOUT', words: /did not open the tunnel to 127\.0\.0\.1:\d+ within 2000 ms/ },
    { phase: 'tls', code: 'ERR_TLS_HANDSHAKE_TIMEOUT', words: /TLS handshake did not complete within 2000 ms/ },
    { phase: 'upgrade', code: 'ERR_UPGRADE_TIMEOUT', words: /did not answer the WebSocket upgrade within 2000 ms/ },
    { phase: 'auth', code: 'ERR_AUTH_TIMEOUT', words: /did not complete authentication within 2000 ms/ },
  ];
  for (const { phase, code, words, proxy } of cases) {
    const where = proxy ? 'a proxy that stalls at CONNECT' : `a server that stalls at ${phase}`;
    it(`gives up on ${where} within --connect-timeout, retries, and stops at once on SIGTERM`, async () => {
      const stalling = await startStallingServer(phase);
      try {
        const agent = startAgent(stalledDeviceConfig(stalling.port, stalling.serverCA), [
          '--connect-timeout', '2s', '--backoff-base', '200ms', '--backoff-cap', '1s', '--no-heartbeat', '--watch-interval', '0',
          ...(proxy ? ['--proxy', `http://127.0.0.1:${stalling.port}`] : []),
        ]);
        const firstTry = await agent.waitForLog((l) => l.msg === 'connecting');
        const failed = await agent.waitForLog((l) => l.msg === 'connection failed', CONNECT_TIMEOUT_MS + SLACK_MS);
        expect(failed['code'], JSON.stringify(failed)).to.equal(code);
        expect(String((failed['err'] as { message?: string }).message)).to.match(words);
        expect(at(failed) - at(firstTry)).to.be.within(CONNECT_TIMEOUT_MS - 100, CONNECT_TIMEOUT_MS + SLACK_MS);

        // It keeps trying; SIGTERM lands while the next attempt is stalled.
        const failures = agent.logs.length;
        await agent.waitForLog((l) => l.msg === 'connecting', 10_000, failures);
        await new Promise((r) => setTimeout(r, 500));
        const sent = Date.now();
        const exit = await Promise.race([agent.kill('SIGTERM'), new Promise<null>((r) => setTimeout(() => r(null), SLACK_MS))]);
        expect(exit, `the agent ignored SIGTERM while stalled at ${phase}`).to.not.equal(null);
        expect(exit).to.deep.equal({ code: 0, signal: null });
        expect(Date.now() - sent).to.be.below(SLACK_MS);
        expectLogSchema(agent.logs, 'agent');
      } finally {
        stalling.close();
      }
    });
  }
});
