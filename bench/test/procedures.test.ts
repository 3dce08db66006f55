import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { closeSocket, connect } from '../src/load/socket.js';
import { stopProcess, track } from '../src/proc/children.js';
import { inProcessPopulation, measureConnectStorm, measureIdleHold, type OpenSession } from '../src/product/procedures.js';

/** A stand-in "server": a Node process holding TCP connections, each with a 16 KiB buffer. */
const SERVER = `
  const net = require('node:net');
  const held = [];
  net.createServer((s) => { held.push(Buffer.alloc(16384, 1)); s.on('error', () => {}); })
    .listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, function () { process.send(this.address().port); });
  process.on('disconnect', () => process.exit(0));
`;

describe('scenario 5-6 procedures against a stand-in server', () => {
  it('holds connections from spread sources and charges the server per device', async () => {
    const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    track(server, 'stand-in server');
    try {
      const [port] = (await once(server, 'message')) as [number];
      const open: OpenSession = async (_i, source) => {
        const s = await connect({ host: '127.0.0.1', port }, { timeoutMs: 5000, localAddress: source });
        return { close: () => closeSocket(s) };
      };
      const population = inProcessPopulation(open);
      const hold = await measureIdleHold({ serverPid: server.pid!, devices: 1000, population, concurrency: 200, settleMs: 300, sampleMs: 600, deadlineMs: 20_000 });
      assert.equal(hold.opened.failed, 0);
      assert.equal(hold.devices, 1000);
      // 16 KiB of payload per connection plus socket overhead: clearly above 10, clearly below 200.
      assert.ok(hold.rssPerDeviceKiB > 10 && hold.rssPerDeviceKiB < 200, `per device ${hold.rssPerDeviceKiB} KiB`);
      assert.ok(hold.cpuCoresIdle < 0.2);
      const storm = await measureConnectStorm(500, population, 20_000);
      assert.equal(storm.connected, 500);
      assert.equal(storm.failed, 0);
    } finally {
      await stopProcess(server);
    }
  });
});
