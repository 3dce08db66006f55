import { expect } from 'chai';
import {
  Flag,
  FrameType,
  GoAwayCode,
  INITIAL_STREAM_WINDOW,
  MAX_UINT32,
  YamuxErrorCode,
} from '../../src/yamux/index.js';
import { closeOf, rawFrame, rawPeer } from '../helpers.js';

const { Data, WindowUpdate, Ping, GoAway } = FrameType;

interface HostileCase {
  name: string;
  /** Frames the raw peer sends to a session in the server role (the peer's ids are odd). */
  bytes: Buffer[];
  code: string;
}

const cases: HostileCase[] = [
  { name: 'a bad version', bytes: [rawFrame(Ping, Flag.SYN, 0, 1, undefined, 1)], code: YamuxErrorCode.BadVersion },
  { name: 'an unknown frame type', bytes: [rawFrame(4, 0, 1, 0)], code: YamuxErrorCode.BadType },
  {
    name: 'a window update past 2^32-1',
    bytes: [rawFrame(WindowUpdate, Flag.SYN, 1, 0), rawFrame(WindowUpdate, 0, 1, MAX_UINT32 - INITIAL_STREAM_WINDOW + 1)],
    code: YamuxErrorCode.WindowOverflow,
  },
  {
    name: 'data beyond the window',
    bytes: [rawFrame(WindowUpdate, Flag.SYN, 1, 0), rawFrame(Data, 0, 1, INITIAL_STREAM_WINDOW + 1)],
    code: YamuxErrorCode.RecvWindowExceeded,
  },
  {
    name: 'data beyond the window, spread over several frames',
    bytes: [
      rawFrame(WindowUpdate, Flag.SYN, 1, 0),
      rawFrame(Data, 0, 1, INITIAL_STREAM_WINDOW / 2, Buffer.alloc(INITIAL_STREAM_WINDOW / 2)),
      rawFrame(Data, 0, 1, INITIAL_STREAM_WINDOW / 2, Buffer.alloc(INITIAL_STREAM_WINDOW / 2)),
      rawFrame(Data, 0, 1, 1, Buffer.alloc(1)),
    ],
    code: YamuxErrorCode.RecvWindowExceeded,
  },
  { name: 'data for a stream the peer never opened', bytes: [rawFrame(Data, 0, 5, 3, Buffer.from('abc'))], code: YamuxErrorCode.UnknownStream },
  { name: 'a window update for a stream we never opened', bytes: [rawFrame(WindowUpdate, 0, 2, 100)], code: YamuxErrorCode.UnknownStream },
  { name: 'an oversized length', bytes: [rawFrame(Data, 0, 1, MAX_UINT32)], code: YamuxErrorCode.FrameTooLarge },
  { name: 'a SYN with our parity', bytes: [rawFrame(WindowUpdate, Flag.SYN, 2, 0)], code: YamuxErrorCode.BadStreamId },
  {
    name: 'a duplicate SYN',
    bytes: [rawFrame(WindowUpdate, Flag.SYN, 1, 0), rawFrame(WindowUpdate, Flag.SYN, 1, 0)],
    code: YamuxErrorCode.DuplicateStream,
  },
  { name: 'a stream frame on stream id 0', bytes: [rawFrame(Data, Flag.SYN, 0, 0)], code: YamuxErrorCode.BadStreamId },
  { name: 'a Ping on a non-zero stream id', bytes: [rawFrame(Ping, Flag.SYN, 3, 7)], code: YamuxErrorCode.BadStreamId },
  { name: 'a GoAway on a non-zero stream id', bytes: [rawFrame(GoAway, 0, 3, 0)], code: YamuxErrorCode.BadStreamId },
];

describe('yamux: hostile input over TCP', () => {
  for (const c of cases) {
    it(`answers ${c.name} with GoAway(protocol error) and ${c.code}`, async () => {
      const { session, raw, reader } = await rawPeer('server');
      const closed = closeOf(session);
      raw.write(Buffer.concat(c.bytes));
      const err = await closed;
      expect(err?.code).to.equal(c.code);
      const goAway = await reader.next((f) => f.type === GoAway, 'GoAway from the session');
      expect(goAway.length).to.equal(GoAwayCode.ProtocolError);
      expect(goAway.streamId).to.equal(0);
      // The session also ends the connection rather than leaving it hanging.
      await new Promise<void>((resolve) => (reader.ended ? resolve() : raw.once('end', resolve)));
      raw.destroy();
    });
  }

  it('reads nothing more after the violation (a later valid Ping gets no answer)', async () => {
    const { session, raw, reader } = await rawPeer('server');
    const closed = closeOf(session);
    raw.write(Buffer.concat([rawFrame(4, 0, 1, 0), rawFrame(Ping, Flag.SYN, 0, 42)]));
    expect((await closed)?.code).to.equal(YamuxErrorCode.BadType);
    await new Promise<void>((resolve) => (reader.ended ? resolve() : raw.once('end', resolve)));
    expect(reader.frames.filter((f) => f.type === Ping)).to.have.length(0);
    raw.destroy();
  });
});
