import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { closeSocket, connect } from '../src/load/socket.js';
import { stopProcess, track } from '../src/proc/children.js';
import { inProcessPopulation, measureClusterStorm, measureConnectStorm, measureIdleHold, type OpenSession } from '../src/product/procedures.js';

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

describe('scenario 8 procedure against three stand-in nodes', () => {
  it('waits until "presence" shows every device, then charges each node for the devices it holds', async () => {
    const servers = [0, 1, 2].map(() => spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    servers.forEach((s, i) => track(s, `stand-in node ${i + 1}`));
    try {
      const ports = await Promise.all(servers.map(async (s) => ((await once(s, 'message')) as [number])[0]));
      const opened = [0, 0, 0];
      let lastOpen = 0;
      const open: OpenSession = async (i, source) => {
        const s = await connect({ host: '127.0.0.1', port: ports[i % 3]! }, { timeoutMs: 5000, localAddress: source });
        opened[i % 3] = (opened[i % 3] ?? 0) + 1;
        lastOpen = Date.now();
        return { close: () => closeSocket(s) };
      };
      const LAG_MS = 400;
      // Presence lags the handshakes: it shows nothing until LAG_MS after the last one.
      const connectedByNode = async (): Promise<Map<string, number>> =>
        new Map(Date.now() - lastOpen < LAG_MS ? [] : opened.map((n, i) => [`node-${i + 1}`, n] as [string, number]));
      const nodes = servers.map((s, i) => ({ id: `node-${i + 1}`, pid: s.pid! }));
      const r = await measureClusterStorm({ nodes, devices: 900, population: inProcessPopulation(open), connectedByNode, deadlineMs: 20_000, settleMs: 300, sampleMs: 600 });
      assert.equal(r.opened.opened, 900);
      assert.ok(r.onlineSeconds !== null && r.onlineSeconds >= r.opened.seconds + LAG_MS / 1000 - 0.05, `online after ${r.onlineSeconds} s, handshakes ${r.opened.seconds} s`);
      assert.deepEqual(r.nodes.map((n) => n.devices), [300, 300, 300]);
      for (const n of r.nodes) assert.ok(n.kibPerDevice > 10 && n.kibPerDevice < 400, `${n.node}: ${n.kibPerDevice} KiB per device`);
    } finally {
      await Promise.all(servers.map((s) => stopProcess(s)));
    }
  });
});
