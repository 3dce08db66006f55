import { expect } from 'chai';
import net from 'node:net';
import { startTunnel, useWorld } from './support/developer.js';
import { countingReplier, exchange, freePort, hashUntilEnd, noise, residentBytes, tcpServer } from './support/network.js';
import { CLIENT_CLI, spawnNode } from './support/processes.js';
import { runProgram } from './support/programs.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Resolves once `read()` has not changed for `quietMs`: the producer is stalled. */
async function settled(read: () => number, quietMs = 3000, limitMs = 60_000): Promise<number> {
  const deadline = Date.now() + limitMs;
  let last = read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return now;
    }
  }
  return read();
}

/** Writes `total` bytes as fast as the socket takes them; `flushed` counts what left this process. */
function flood(socket: net.Socket, total: number): { flushed: () => number; done: Promise<void> } {
  const chunk = Buffer.alloc(MiB, 0x5a);
  let flushed = 0;
  let offered = 0;
  const done = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const pump = (): void => {
      while (offered < total) {
        offered += chunk.length;
        const more = socket.write(chunk, () => (flushed += chunk.length));
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end(resolve);
    };
    pump();
  });
  return { flushed: () => flushed, done };
}

function countUntilEnd(socket: net.Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    socket.on('data', (c: Buffer) => (n += c.length));
    socket.once('end', () => resolve(n));
    socket.once('error', reject);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('bytes through the tunnel: half-close, backpressure, 1 GiB', function () {
  this.timeout(300_000);
  const world = useWorld();
  const local: Record<string, number> = {};
  const remote: Record<string, number> = {};
  /** Device-side sockets of the backpressure tests, reachable from the test. */
  const deviceSide: { flood?: ReturnType<typeof flood>; sink?: net.Socket; sinkCount?: Promise<number> } = {};
  let downloadDigest: Promise<string> | undefined;

  before(async () => {
    remote['replier'] = (await tcpServer('127.0.0.1', countingReplier)).port;
    remote['flood'] = (await tcpServer('127.0.0.1', (s) => (deviceSide.flood = flood(s, 200 * MiB)))).port;
    remote['sink'] = (
      await tcpServer('127.0.0.1', (s) => {
        s.pause();
        deviceSide.sink = s;
        deviceSide.sinkCount = countUntilEnd(s);
        s.pause();
      })
    ).port;
    remote['source'] = (
      await tcpServer('127.0.0.1', (s) => {
        const { stream, digest } = noise(GiB);
        downloadDigest = new Promise((resolve) => stream.once('end', () => resolve(digest())));
        stream.pipe(s);
      })
    ).port;
    const args: string[] = [];
    for (const name of Object.keys(remote)) {
      local[name] = await freePort();
      args.push('-p', `${remote[name]}:${local[name]}`);
    }
    await startTunnel(world.user, 'pi-1', args);
  });

  it('carries a half-close end to end: printf x | nc -N gets its answer', async () => {
    const nc = await runProgram('nc', ['-N', '127.0.0.1', String(local['replier'])], { input: 'x' });
    expect(nc.code, nc.stderr).to.equal(0);
    expect(nc.stdout).to.match(/^got 1 bytes [0-9a-f]{64}$/);
    // The same through `device proxy`: end of stdin is a FIN, the answer still arrives on stdout.
    const proxy = spawnNode(CLIENT_CLI, ['device', 'proxy', 'pi-1', String(remote['replier'])], { env: world.user.env, input: 'xyz' });
    const { code } = await proxy.exited;
    expect(code, proxy.stderr).to.equal(0);
    expect(proxy.stdout).to.match(/^got 3 bytes [0-9a-f]{64}$/);
  });

  it("stops a device-side producer when the developer's reader pauses; the server's memory stays bounded", async () => {
    // Warm up allocation paths first, so the baseline is the server's steady state.
    expect(await exchange(local['replier']!, Buffer.alloc(16 * MiB))).to.match(/^got 16777216 bytes/);
    const before = residentBytes(world.server.proc.pid);
    const reader = await connect(local['flood']!);
    reader.pause();
    const stalledAt = await settled(() => deviceSide.flood?.flushed() ?? -1);
    const grown = residentBytes(world.server.proc.pid) - before;
    expect(stalledAt, 'the producer was stopped long before 200 MiB').to.be.lessThan(100 * MiB);
    expect(grown, `server RSS grew by ${(grown / MiB).toFixed(1)} MiB`).to.be.lessThan(64 * MiB);
    // Reading again lets everything through.
    const received = countUntilEnd(reader);
    reader.resume();
    expect(await received).to.equal(200 * MiB);
  });

  it("stops the developer's writer when the device-side reader pauses; the server's memory stays bounded", async () => {
    const before = residentBytes(world.server.proc.pid);
    const writer = await connect(local['sink']!);
    const upload = flood(writer, 200 * MiB);
    const stalledAt = await settled(upload.flushed);
    const grown = residentBytes(world.server.proc.pid) - before;
    expect(stalledAt, 'the writer was stopped long before 200 MiB').to.be.lessThan(100 * MiB);
    expect(grown, `server RSS grew by ${(grown / MiB).toFixed(1)} MiB`).to.be.lessThan(64 * MiB);
    deviceSide.sink!.resume();
    await upload.done;
    expect(await deviceSide.sinkCount).to.equal(200 * MiB);
    writer.destroy();
  });

  it('carries 1 GiB byte-identical (SHA-256) from the device and to it', async function () {
    this.timeout(900_000);
    const down = await connect(local['source']!);
    const got = await hashUntilEnd(down);
    expect(got.bytes).to.equal(GiB);
    expect(got.sha256).to.equal(await downloadDigest);

    const up = await connect(local['replier']!);
    const { stream, digest } = noise(GiB);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      up.on('data', (c: Buffer) => (text += c.toString()));
      up.once('end', () => resolve(text));
    });
    stream.pipe(up);
    expect(await answer).to.equal(`got ${GiB} bytes ${digest()}`);
  });
});
