import { expect } from 'chai';
import { formatHostPort, parseMapping, parseMappings } from '../../src/developer/mapping.js';

describe('port mapping parser (-p)', () => {
  const accepted: [string, string, number, number][] = [
    // text, local address, local port, remote port
    ['22222', '127.0.0.1', 22222, 22222],
    ['22222:4321', '127.0.0.1', 4321, 22222],
    ['22222:0.0.0.0:4321', '0.0.0.0', 4321, 22222],
    ['22222:0.0.0.0', '0.0.0.0', 22222, 22222],
    ['22222:127.0.0.2:4321', '127.0.0.2', 4321, 22222],
    ['22222:localhost:4321', 'localhost', 4321, 22222],
    ['22222:[::1]:4321', '::1', 4321, 22222],
    ['22222:[::1]', '::1', 22222, 22222],
    ['22222:[::]:4321', '::', 4321, 22222],
    ['1:65535', '127.0.0.1', 65535, 1],
    ['65535', '127.0.0.1', 65535, 65535],
  ];
  for (const [text, localAddress, localPort, remotePort] of accepted) {
    it(`accepts ${text}`, () => {
      expect(parseMapping(text)).to.deep.equal({ text, remotePort, localAddress, localPort });
    });
  }

  const rejected: [string, RegExp][] = [
    ['22222abc', /remote port "22222abc" is not a port number/],
    ['abc', /remote port "abc" is not a port number/],
    ['', /remote port "" is not a port number/],
    ['0', /remote port 0 is outside 1-65535/],
    ['65536', /remote port 65536 is outside 1-65535/],
    ['22222:0', /local port 0 is outside 1-65535/],
    ['22222:70000', /local port 70000 is outside 1-65535/],
    ['22222:4321abc', /local port "4321abc" is not a port number/],
    ['22222:0.0.0.0:4321:1', /4 parts where at most 3 are allowed/],
    ['1:2:3:4', /4 parts where at most 3 are allowed/],
    ['22222:', /nothing after ":"/],
    [':4321', /remote port "" is not a port number/],
    ['22222:0.0.0.0:', /local port "" is not a port number/],
    ['22222:::1', /must be written in brackets/],
    ['22222:::1:4321', /must be written in brackets/],
    ['22222:[::1', /opened with "\[" is not closed/],
    ['22222:[::1]4321', /unexpected "4321" after the address/],
    ['22222:[127.0.0.1]:4321', /local address "\[127.0.0.1\]" is not/],
    ['22222:999.1.1.1:4321', /local address "999.1.1.1" is not/],
    ['22222:example.com:4321', /local address "example.com" is not/],
    ['-1', /remote port "-1" is not a port number/],
    ['22222:4321.5', /local port "4321.5" is not a port number/],
  ];
  for (const [text, why] of rejected) {
    it(`rejects ${JSON.stringify(text)}, naming the mapping`, () => {
      expect(() => parseMapping(text))
        .to.throw(`invalid port mapping "${text}"`)
        .that.has.property('code', 'ERR_INVALID_MAPPING');
      expect(() => parseMapping(text)).to.throw(why);
    });
  }

  it('rejects a local port used twice, naming both mappings', () => {
    expect(() => parseMappings(['22222:4321', '80:4321'])).to.throw(/"22222:4321" and "80:4321" both use local port 4321/);
    expect(() => parseMappings(['22222', '22222:0.0.0.0'])).to.throw(/both use local port 22222/);
    expect(() => parseMappings(['22222:127.0.0.1:4321', '8080:[::1]:4321'])).to.throw(/both use local port 4321/);
  });

  it('needs at least one mapping and keeps their order', () => {
    expect(() => parseMappings([])).to.throw(/no port mapping given/);
    expect(parseMappings(['22222:4321', '48484']).map((m) => m.localPort)).to.deep.equal([4321, 48484]);
  });

  it('shows IPv6 listeners in brackets', () => {
    expect(formatHostPort('::1', 4321)).to.equal('[::1]:4321');
    expect(formatHostPort('127.0.0.1', 4321)).to.equal('127.0.0.1:4321');
  });
});
