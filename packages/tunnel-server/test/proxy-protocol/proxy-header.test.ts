import { expect } from 'chai';
import { parseProxyHeader, V2_MAX_BODY, type ProxyParse } from '../../src/proxy-protocol/proxy-header.js';
import { ProxyHeaderError, ProxyProtocolErrorCode } from '../../src/proxy-protocol/proxy-protocol-errors.js';

const SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header: command nibble, family byte, then the body (addresses and TLVs). */
function v2(cmd: number, fam: number, body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([SIG, Buffer.from([0x20 | cmd, fam]), len, body]);
}

function ipv4Body(): Buffer {
  return Buffer.from([203, 0, 113, 7, 10, 0, 0, 1, 0xc3, 0x50, 0x01, 0xbb]); // 203.0.113.7:50000 -> 10.0.0.1:443
}

function complete(parse: ProxyParse): Extract<ProxyParse, { complete: true }> {
  expect(parse.complete).to.equal(true);
  return parse as Extract<ProxyParse, { complete: true }>;
}

function failsWith(code: string, input: Buffer, accept: 'v1' | 'v2' | 'any' = 'any'): void {
  let thrown: unknown;
  try {
    parseProxyHeader(input, accept);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `no error for ${JSON.stringify(input.toString('latin1'))}`).to.be.instanceOf(ProxyHeaderError);
  expect((thrown as ProxyHeaderError).code).to.equal(code);
}

describe('PROXY protocol header parser', () => {
  describe('v1', () => {
    it('reads TCP4 and reports the bytes after it as not part of the header', () => {
      const text = 'PROXY TCP4 203.0.113.7 10.0.0.1 50000 443\r\n';
      const r = complete(parseProxyHeader(Buffer.from(`${text}\x16\x03\x01`, 'latin1'), 'v1'));
      expect(r.length).to.equal(text.length);
      expect(r.header).to.deep.include({ version: 1, command: 'proxy' });
      expect(r.header.source).to.deep.equal({ address: '203.0.113.7', port: 50000, family: 'IPv4' });
      expect(r.header.destination).to.deep.equal({ address: '10.0.0.1', port: 443, family: 'IPv4' });
    });

    it('reads TCP6', () => {
      const r = complete(parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 65535 443\r\n'), 'any'));
      expect(r.header.source).to.deep.equal({ address: '2001:db8::7', port: 65535, family: 'IPv6' });
    });

    it('takes UNKNOWN as the balancer speaking for itself (no client address)', () => {
      const r = complete(parseProxyHeader(Buffer.from('PROXY UNKNOWN whatever follows\r\n'), 'v1'));
      expect(r.header.command).to.equal('local');
      expect(r.header.source).to.equal(undefined);
    });

    it('waits for more bytes while the line is incomplete', () => {
      expect(parseProxyHeader(Buffer.from('PRO'), 'v1').complete).to.equal(false);
      expect(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 10.0'), 'v1').complete).to.equal(false);
      expect(parseProxyHeader(Buffer.alloc(0), 'any').complete).to.equal(false);
    });

    it('refuses malformed lines with a code', () => {
      failsWith(ProxyProtocolErrorCode.Malformed, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 50000\r\n'));
      failsWith(ProxyProtocolErrorCode.Malformed, Buffer.from('PROXY TCP4 2001:db8::7 10.0.0.1 50000 443\r\n'));
      failsWith(ProxyProtocolErrorCode.Malformed, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 050000 443\r\n'));
      failsWith(ProxyProtocolErrorCode.Malformed, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 70000 443\r\n'));
      failsWith(ProxyProtocolErrorCode.Malformed, Buffer.from('PROXY UDP4 203.0.113.7 10.0.0.1 5 443\r\n'));
      failsWith(ProxyProtocolErrorCode.Malformed, Buffer.from('PROXY TCP4  203.0.113.7 10.0.0.1 5 443\r\n'));
    });

    it('refuses a line with no CRLF within 107 bytes', () => {
      failsWith(ProxyProtocolErrorCode.Oversized, Buffer.from(`PROXY UNKNOWN ${'x'.repeat(120)}`));
      failsWith(ProxyProtocolErrorCode.Oversized, Buffer.from(`PROXY UNKNOWN ${'x'.repeat(100)}\r\n`));
    });
  });

  describe('v2', () => {
    it('reads PROXY over TCP4 with TLVs, and where the header ends', () => {
      const tlvs = Buffer.concat([Buffer.from([0x05, 0x00, 0x03]), Buffer.from('abc'), Buffer.from([0x01, 0x00, 0x02]), Buffer.from('h2')]);
      const header = v2(1, 0x11, Buffer.concat([ipv4Body(), tlvs]));
      const r = complete(parseProxyHeader(Buffer.concat([header, Buffer.from([0x16, 0x03])]), 'v2'));
      expect(r.length).to.equal(header.length);
      expect(r.header).to.deep.include({ version: 2, command: 'proxy' });
      expect(r.header.source).to.deep.equal({ address: '203.0.113.7', port: 50000, family: 'IPv4' });
      expect(r.header.destination).to.deep.equal({ address: '10.0.0.1', port: 443, family: 'IPv4' });
      expect(r.header.tlvs.map((t) => [t.type, t.value.toString()])).to.deep.equal([
        [0x05, 'abc'],
        [0x01, 'h2'],
      ]);
    });

    it('reads TCP6 addresses in their compressed form', () => {
      const body = Buffer.alloc(36);
      Buffer.from('20010db8000000000000000000000007', 'hex').copy(body, 0);
      Buffer.from('20010db8000000000000000000000001', 'hex').copy(body, 16);
      body.writeUInt16BE(40000, 32);
      body.writeUInt16BE(443, 34);
      const r = complete(parseProxyHeader(v2(1, 0x21, body), 'any'));
      expect(r.header.source).to.deep.equal({ address: '2001:db8::7', port: 40000, family: 'IPv6' });
    });

    it('takes LOCAL (health checks) as carrying no client, whatever the family', () => {
      const r = complete(parseProxyHeader(v2(0, 0x11, ipv4Body()), 'v2'));
      expect(r.header.command).to.equal('local');
      expect(r.header.source).to.equal(undefined);
      expect(complete(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)), 'v2')).length).to.equal(16);
    });

    it('waits for the whole announced length, byte by byte', () => {
      const header = v2(1, 0x11, ipv4Body());
      for (let n = 1; n < header.length; n++) expect(parseProxyHeader(header.subarray(0, n), 'v2').complete, `at ${n} bytes`).to.equal(false);
      expect(parseProxyHeader(header, 'v2').complete).to.equal(true);
    });

    it('refuses a broken version, command, address block or TLV', () => {
      const good = v2(1, 0x11, ipv4Body());
      const badVersion = Buffer.from(good);
      badVersion[12] = 0x31;
      failsWith(ProxyProtocolErrorCode.Malformed, badVersion);
      failsWith(ProxyProtocolErrorCode.Malformed, v2(2, 0x11, ipv4Body()));
      failsWith(ProxyProtocolErrorCode.Malformed, v2(1, 0x11, Buffer.alloc(8)));
      failsWith(ProxyProtocolErrorCode.Malformed, v2(1, 0x11, Buffer.concat([ipv4Body(), Buffer.from([0x05, 0x00, 0x09, 0x61])])));
      failsWith(ProxyProtocolErrorCode.Malformed, v2(1, 0x11, Buffer.concat([ipv4Body(), Buffer.from([0x05, 0x00])])));
    });

    it('refuses a header announcing more than it may hold, before reading it', () => {
      const head = v2(1, 0x11, Buffer.alloc(0));
      head.writeUInt16BE(V2_MAX_BODY + 1, 14);
      failsWith(ProxyProtocolErrorCode.Oversized, head);
    });
  });

  it('refuses garbage and plain TLS as a missing header from the first byte that cannot be one', () => {
    failsWith(ProxyProtocolErrorCode.Missing, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]));
    failsWith(ProxyProtocolErrorCode.Missing, Buffer.from('GET / HTTP/1.1\r\n'));
    failsWith(ProxyProtocolErrorCode.Missing, Buffer.from('PROXZ'));
    failsWith(ProxyProtocolErrorCode.Missing, Buffer.concat([SIG.subarray(0, 5), Buffer.from([0xff])]));
  });

  it('refuses the version the listener was not told to take', () => {
    failsWith(ProxyProtocolErrorCode.WrongVersion, Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 50000 443\r\n'), 'v2');
    failsWith(ProxyProtocolErrorCode.WrongVersion, v2(1, 0x11, ipv4Body()), 'v1');
  });
});
