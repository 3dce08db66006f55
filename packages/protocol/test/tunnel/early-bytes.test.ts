import { expect } from 'chai';
import { once } from 'node:events';
import type net from 'node:net';
import { EarlyBytes, joinStreams, OpenError, OpenResult, TunnelSession } from '../../src/tunnel/index.js';
import { tcpPair } from '../loopback.js';

/** Reads from `socket` until `bytes` have come. */
function readBytes(socket: net.Socket, bytes: number): Promise<string> {
  let got = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer): void => {
      got += chunk.toString('utf8');
      if (got.length < bytes) return;
      socket.off('data', onData);
      resolve(got);
    };
    socket.on('data', onData);
  });
}

describe('early bytes: what the opener sends before the verdict', () => {
  const cleanup: { destroy(): void }[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c.destroy();
  });

  async function setup(): Promise<{ opener: TunnelSession; device: TunnelSession; local: net.Socket; localClient: net.Socket }> {
    const transport = await tcpPair();
    const [localClient, local] = await tcpPair();
    const opener = new TunnelSession(transport[0], { role: 'client' });
    const device = new TunnelSession(transport[1], { role: 'server' });
    cleanup.push(...transport, localClient, local, { destroy: () => opener.close() }, { destroy: () => device.close() });
    return { opener, device, local, localClient };
  }

  it('go right behind the request: the device (an unchanged receiver) holds them before it answers, then hands them to the target in order', async () => {
    const { opener, device, local, localClient } = await setup();
    const [targetNear, targetFar] = await tcpPair();
    cleanup.push(targetNear, targetFar);
    let waitingBeforeVerdict = -1;
    device.serve(async (_request, stream) => {
      // The verdict is not out yet: the bytes can only be here because they came behind the request.
      while (stream.readableLength < 5) await once(stream, 'readable');
      waitingBeforeVerdict = stream.readableLength;
      return { stream: targetNear };
    });
    localClient.write('hello');
    const early = new EarlyBytes(local);
    const stream = await opener.open({ host: '127.0.0.1', port: 22 }, early);
    expect(waitingBeforeVerdict).to.equal(5);
    expect(early.bytes).to.equal(5);
    const joined = joinStreams(local, stream);
    localClient.write(' world');
    expect(await readBytes(targetFar, 11)).to.equal('hello world');
    // What the join counts plus what went early is what the client sent.
    stream.destroy();
    const result = await joined;
    expect(early.bytes + result.bytesAtoB).to.equal(11);
  });

  it('keep a half-close that came before the verdict: the target reads the bytes, then their end, and still answers', async () => {
    const { opener, device, local, localClient } = await setup();
    const [targetNear, targetFar] = await tcpPair();
    cleanup.push(targetNear, targetFar);
    device.serve(async (_request, stream) => {
      while (stream.readableLength < 1) await once(stream, 'readable');
      // Time for the end of input to follow the byte, before the answer.
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { stream: targetNear };
    });
    // Half-open as the CLI's listener and the agent's dialer make them: the answer must still get back.
    local.allowHalfOpen = true;
    targetFar.allowHalfOpen = true;
    // `printf x | nc`: one byte, then the end of input, all before the device has answered.
    localClient.end('x');
    const stream = await opener.open({ host: '127.0.0.1', port: 22 }, new EarlyBytes(local));
    const joined = joinStreams(local, stream);
    let got = '';
    targetFar.on('data', (chunk: Buffer) => (got += chunk.toString('utf8')));
    await once(targetFar, 'end');
    expect(got).to.equal('x');
    const answer = readBytes(localClient, 5);
    targetFar.end('reply');
    expect(await answer).to.equal('reply');
    const result = await joined;
    expect(result.error).to.equal(undefined);
  });

  it('are dropped unread by a refusal, and the opener hears the refusal', async () => {
    const { opener, device, local, localClient } = await setup();
    let seen = 0;
    device.serve(async (_request, stream) => {
      while (stream.readableLength < 6) await once(stream, 'readable');
      seen = stream.readableLength;
      throw new OpenError(OpenResult.ConnectionRefused, 'nothing listens on 22');
    });
    localClient.write('secret');
    const early = new EarlyBytes(local);
    let refused: unknown;
    try {
      await opener.open({ host: '127.0.0.1', port: 22 }, early);
    } catch (err) {
      refused = err;
    }
    expect(seen).to.equal(6);
    expect(refused).to.be.instanceOf(OpenError);
    expect((refused as OpenError).result).to.equal(OpenResult.ConnectionRefused);
    // The local side is left paused for its owner to close; nothing was read past the refusal.
    expect(local.isPaused()).to.equal(true);
  });

  it('are sent again when the open is retried on another session', async () => {
    const first = await setup();
    first.device.serve(async () => {
      throw new OpenError(OpenResult.DeviceOffline, 'gone');
    });
    first.localClient.write('again');
    const early = new EarlyBytes(first.local);
    await first.opener.open({ host: '127.0.0.1', port: 22 }, early).catch(() => undefined);
    expect(early.bytes).to.equal(5);
    const second = await setup();
    let held = '';
    second.device.serve(async (_request, stream) => {
      while (stream.readableLength < 5) await once(stream, 'readable');
      held = (stream.read() as Buffer).toString('utf8');
      const [near, far] = await tcpPair();
      cleanup.push(near, far);
      return { stream: near };
    });
    const stream = await second.opener.open({ host: '127.0.0.1', port: 22 }, early);
    expect(held).to.equal('again');
    expect(early.bytes).to.equal(5);
    stream.destroy();
  });
});
