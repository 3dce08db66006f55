import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GoAwayCode, YamuxErrorCode, YamuxSession, type YamuxConfig, type YamuxStream } from '../../src/yamux/index.js';
import { closeOf, echoConcurrently, quiet, streamError, waitFor, waitUntil } from '../helpers.js';

// From packages/protocol/dist/test/yamux/ up to the repository root.
const fixture = fileURLToPath(new URL('../../../../../test/fixtures/go-yamux/main.go', import.meta.url));

/** The Go peer as a child process; its stdout lines are the results it reports. */
class GoPeer {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(binary: string, args: string[]) {
    this.child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async line(pattern: RegExp): Promise<string> {
    let found: string | undefined;
    await waitUntil(() => (found = this.lines.find((l) => pattern.test(l))) !== undefined, () => `Go to print ${pattern}; it said:\n${this.transcript()}`);
    return found!;
  }

  transcript(): string {
    return `stdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

/**
 * Our end of the Go peer's dial mode: a 4-byte length and that many bytes come in; they go back
 * followed by our FIN; whatever Go writes after that FIN is its trailer. "reset-me" gets a RST.
 */
function answerGo(stream: YamuxStream, onTrailer: (trailer: string) => void): void {
  let received = Buffer.alloc(0);
  let answered = 0;
  stream.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (received.toString('latin1', 0, 8) === 'reset-me') {
      stream.reset();
      return;
    }
    const size = received.length >= 4 ? received.readUInt32BE(0) : Infinity;
    if (answered === 0 && received.length >= 4 + size) {
      answered = 4 + size;
      stream.end(received.subarray(4, answered));
    }
  });
  stream.on('end', () => onTrailer(received.subarray(answered).toString()));
}

/** Listens on loopback, starts the Go peer pointed at us, and wraps the connection in a session. */
async function withGoPeer(
  binary: string,
  goArgs: string[],
  role: 'client' | 'server',
  config: Partial<YamuxConfig> = {},
): Promise<{ session: YamuxSession; go: GoPeer }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const connected = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const go = new GoPeer(binary, ['-addr', `127.0.0.1:${port}`, ...goArgs]);
  const socket = await Promise.race([
    connected,
    go.exited.then((code) => Promise.reject(new Error(`Go peer exited (${code}) before connecting\n${go.transcript()}`))),
  ]);
  server.close();
  socket.setNoDelay(true);
  return { session: new YamuxSession(socket, { role, config }), go };
}

describe('yamux interop with Go hashicorp/yamux', function () {
  let binary = '';
  let buildDir = '';
  const peers: GoPeer[] = [];

  before(function () {
    const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log(`    skipping Go interop: no \`go\` on PATH (${probe.error.message}); .ci/run installs golang-go`);
      this.skip();
    }
    this.timeout(180_000);
    buildDir = mkdtempSync(path.join(tmpdir(), 'go-yamux-'));
    binary = path.join(buildDir, 'go-yamux-peer');
    // GOPATH mode against Debian's packaged library: no modules, no proxy, no network.
    const build = spawnSync('go', ['build', '-o', binary, fixture], {
      encoding: 'utf8',
      // A cache of our own: CI may run without HOME, and a warm cache keeps reruns quick.
      env: {
        ...process.env,
        GOPATH: '/usr/share/gocode',
        GO111MODULE: 'off',
        GOPROXY: 'off',
        GOFLAGS: '',
        GOCACHE: process.env.GOCACHE ?? path.join(tmpdir(), 'go-yamux-gocache'),
      },
    });
    if (build.status !== 0) throw new Error(`go build failed:\n${build.stderr}`);
  });

  afterEach(() => {
    for (const peer of peers.splice(0)) peer.kill();
  });

  after(() => {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  function start(goArgs: string[], role: 'client' | 'server', config?: Partial<YamuxConfig>): ReturnType<typeof withGoPeer> {
    return withGoPeer(binary, goArgs, role, config).then((r) => {
      peers.push(r.go);
      return r;
    });
  }

  it('Go opens streams to us: concurrent echo, half-close, our reset, ping, GoAway', async () => {
    const { session, go } = await start(['-role', 'client', '-mode', 'dial', '-streams', '16', '-size', String(1 << 20)], 'server');
    const trailers: string[] = [];
    session.on('stream', (stream) => answerGo(quiet(stream), (trailer) => trailers.push(trailer)));
    const goaway = waitFor<GoAwayCode>(session, 'goaway');
    const closed = closeOf(session);
    expect(await go.exited, go.transcript()).to.equal(0);
    expect(go.lines.filter((l) => l.startsWith('echo-ok'))).to.have.length(16);
    // Go kept writing after our FIN, and its own FIN ended our side.
    expect(trailers).to.deep.equal(Array(16).fill('trailer after your FIN'));
    expect(go.lines.some((l) => l.startsWith('reset-ok'))).to.equal(true);
    expect(go.lines.some((l) => l.startsWith('ping-ok'))).to.equal(true);
    expect(await goaway).to.equal(GoAwayCode.Normal);
    // Go's GoAway came first, so the connection closing is a clean end.
    expect(await closed).to.equal(undefined);
  });

  it('we open streams to Go: concurrent echo with half-close, ping', async () => {
    const { session, go } = await start(['-role', 'server', '-mode', 'serve'], 'client');
    await go.line(/^ready$/);
    expect(await echoConcurrently(() => session.open(), 16, 1 << 20)).to.deep.equal(Array(16).fill(true));
    // Go reports after its write returned, which may be after our read finished.
    await waitUntil(() => go.lines.filter((l) => l.startsWith('served')).length === 16, () => `16 "served" lines; Go said:\n${go.transcript()}`);
    expect(await session.ping()).to.be.a('number');
    session.close();
    await go.line(/^closed$/);
  });

  it('we reset a stream: Go reads "connection reset"', async () => {
    const { session, go } = await start(['-role', 'server', '-mode', 'serve'], 'client');
    const stream = quiet(session.open());
    stream.write('partial request');
    await waitFor(stream, 'established');
    stream.reset();
    expect(await go.line(/^reset /)).to.match(new RegExp(`^reset ${stream.id} connection reset`));
    session.close();
  });

  it('Go resets a stream it cannot take (accept backlog full): our stream fails with StreamReset', async () => {
    const { session, go } = await start(['-role', 'server', '-mode', 'backlog'], 'client');
    await go.line(/^ready$/);
    const queued: YamuxStream = quiet(session.open());
    const refused = session.open();
    const failed = streamError(refused);
    refused.write('x');
    expect((await failed).code).to.equal(YamuxErrorCode.StreamReset);
    expect(queued.destroyed).to.equal(false);
    session.close();
  });
});
