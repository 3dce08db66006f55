import { expect } from 'chai';
import { parseConnectTarget } from '../../src/connect-proxy/connect-target.js';
import { OPEN_REFUSALS } from '@tunnel/protocol/tunnel';

describe('CONNECT target', () => {
  it('takes <device>.balena:<port> and <device>.vpn:<port>', () => {
    expect(parseConnectTarget('3f2a9c1.balena:22222')).to.deep.equal({ device: '3f2a9c1', port: 22222 });
    expect(parseConnectTarget('0123456789abcdef0123456789abcdef.vpn:48484')).to.deep.equal({ device: '0123456789abcdef0123456789abcdef', port: 48484 });
    expect(parseConnectTarget('pi-1.BALENA:80')).to.deep.equal({ device: 'pi-1', port: 80 });
  });

  for (const bad of ['example.com:443', '3f2a9c1:22222', '.balena:22', '3f2a9c1.balena', '3f2a9c1.balena:0', '3f2a9c1.balena:70000', '[::1]:22', '']) {
    it(`refuses ${JSON.stringify(bad)}: not an open proxy`, () => {
      expect(() => parseConnectTarget(bad)).to.throw(/must be <device>\.balena:<port>/).that.has.property('code', 'ERR_CONNECT_BAD_TARGET');
    });
  }

  it('gives each refusal its own status', () => {
    expect(Object.fromEntries(Object.entries(OPEN_REFUSALS).map(([result, r]) => [result, r.httpStatus]))).to.deep.equal({
      'device-offline': 503,
      'device-busy': 503,
      'device-draining': 503,
      'limit-reached': 429,
      'unknown-device': 404,
      'access-denied': 403,
      'port-not-allowed': 403,
      'connection-refused': 502,
      'host-unreachable': 502,
      'timed-out': 504,
      'bad-request': 400,
      'server-error': 500,
    });
  });
});
