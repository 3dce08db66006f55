import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pingPong } from '../src/load/ping-pong.js';
import { opensshPath } from '../src/paths/openssh/path.js';
import { findOpenSsh } from '../src/paths/openssh/tools.js';
import { parseVerboseLog } from '../src/paths/openssh/negotiated.js';
import { isAlive } from '../src/proc/tree.js';
import { useTargets } from './use-targets.js';

describe('ssh -v parsing', () => {
  it('picks out versions and algorithms', () => {
    const log = [
      'OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026',
      'debug1: Remote protocol version 2.0, remote software version OpenSSH_9.2p1 Debian-2+deb12u10',
      'debug1: kex: algorithm: sntrup761x25519-sha512@openssh.com',
      'debug1: kex: host key algorithm: ssh-ed25519',
      'debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none',
      'debug1: kex: client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none',
    ].join('\n');
    assert.deepEqual(parseVerboseLog(log), {
      client: 'OpenSSH_9.2p1',
      server: 'OpenSSH_9.2p1',
      kex: 'sntrup761x25519-sha512@openssh.com',
      hostKey: 'ssh-ed25519',
      cipher: 'chacha20-poly1305@openssh.com',
      mac: '<implicit>',
      compression: 'none',
    });
  });
});

describe('openssh path', { skip: 'missing' in findOpenSsh() ? 'OpenSSH not installed' : false }, () => {
  const targets = useTargets();

  it('carries traffic through the bastion chain and leaves no process behind', async () => {
    const setup = await opensshPath.setup({ targets: targets.endpoints, log: () => {} });
    assert.equal(setup.kind, 'ready');
    if (setup.kind !== 'ready') return;
    const pids = setup.path.processes();
    try {
      assert.ok(pids.length >= 4, `processes: ${pids.join(',')}`);
      assert.ok(setup.path.notes.some((n) => n.includes('cipher')));
      const rtts = await pingPong(setup.path.endpoints.echo, { roundTrips: 50, payloadBytes: 64, warmup: 5, timeoutMs: 10_000 });
      assert.equal(rtts.length, 50);
    } finally {
      await setup.path.teardown();
    }
    for (const pid of pids) assert.ok(!isAlive(pid), `pid ${pid} survived teardown`);
  });
});
