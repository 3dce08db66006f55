import { expect } from 'chai';
import net from 'node:net';
import {
  defaultYamuxConfig,
  resolveYamuxConfig,
  YamuxErrorCode,
  YamuxSession,
  type YamuxConfig,
} from '../../src/yamux/index.js';

const bad: [keyof YamuxConfig, unknown][] = [
  ['acceptBacklog', 0],
  ['acceptBacklog', 1.5],
  ['enableKeepAlive', 'yes'],
  ['keepAliveInterval', -1],
  ['keepAliveTimeout', Number.NaN],
  ['streamOpenTimeout', 0],
  ['maxConcurrentStreams', '10'],
  ['maxStreamWindow', 1024],
  ['maxStreamWindow', 2 ** 32],
  ['maxFrameSize', 100],
  ['maxFrameSize', 1024 * 1024],
  ['maxSendBuffer', 10],
  ['closeTimeout', Infinity],
];

describe('yamux config', () => {
  it('fills in every default', () => {
    expect(resolveYamuxConfig()).to.deep.equal(defaultYamuxConfig);
    expect(resolveYamuxConfig({ maxStreamWindow: 1 << 20 }).maxStreamWindow).to.equal(1 << 20);
  });

  for (const [knob, value] of bad) {
    it(`rejects ${knob} = ${String(value)}, naming the knob`, () => {
      expect(() => resolveYamuxConfig({ [knob]: value } as Partial<YamuxConfig>))
        .to.throw(new RegExp(`\\b${knob}\\b`))
        .with.property('code', YamuxErrorCode.InvalidConfig);
    });
  }

  it('rejects unknown knobs by name', () => {
    expect(() => resolveYamuxConfig({ keepalive: true } as unknown as Partial<YamuxConfig>))
      .to.throw(/"keepalive"/)
      .with.property('code', YamuxErrorCode.InvalidConfig);
  });

  it('validates on session construction, before touching the transport', () => {
    const socket = new net.Socket();
    expect(() => new YamuxSession(socket, { role: 'client', config: { maxFrameSize: 0 } }))
      .to.throw(/maxFrameSize/)
      .with.property('code', YamuxErrorCode.InvalidConfig);
    expect(socket.listenerCount('data')).to.equal(0);
  });
});
