import { expect } from 'chai';
import { NoProxyList } from '../../src/net/no-proxy.js';
import { loadProxyConfig, proxyRoute } from '../../src/net/proxy-config.js';
import { parseProxyUrl } from '../../src/net/proxy-url.js';

describe('proxy URL', () => {
  it('reads http and socks5 URLs with credentials, default ports and IPv6 hosts', () => {
    expect(parseProxyUrl('http://alice:s%40cret@proxy.lan:3128')).to.include({
      protocol: 'http',
      host: 'proxy.lan',
      port: 3128,
      username: 'alice',
      password: 's@cret',
      display: 'http://alice:***@proxy.lan:3128',
    });
    expect(parseProxyUrl('socks5://[::1]')).to.include({ protocol: 'socks5', host: '::1', port: 1080, display: 'socks5://[::1]:1080' });
    expect(parseProxyUrl('socks5h://bob@10.0.0.1:9050')).to.include({ protocol: 'socks5', username: 'bob', password: '' });
    expect(parseProxyUrl('proxy.lan:8080')).to.include({ protocol: 'http', host: 'proxy.lan', port: 8080 });
    expect(parseProxyUrl('http://proxy.lan')).to.include({ port: 80 });
    expect(parseProxyUrl('http://proxy.lan:80/')).to.include({ port: 80 });
  });

  it('refuses what it cannot use, naming the setting and hiding the password', () => {
    const cases: [string, RegExp][] = [
      ['https://p:3128', /TLS to the proxy itself is not supported/],
      ['socks4://p:1080', /SOCKS4 is not supported/],
      ['ftp://p', /unknown scheme "ftp"/],
      ['http://p:3128/path', /no path/],
      ['http://', /not a usable proxy URL/],
      ['', /it is empty/],
      [`socks5://${'u'.repeat(256)}:x@p:1080`, /at most 255 bytes/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseProxyUrl(text, 'HTTPS_PROXY'), text).to.throw(message).with.property('code', 'ERR_PROXY_URL_INVALID');
    }
    expect(() => parseProxyUrl('https://alice:hunter2@p:3128', '--proxy')).to.throw(/^--proxy "https:\/\/alice:\*\*\*@p:3128"/);
  });
});

describe('NO_PROXY', () => {
  const list = new NoProxyList('localhost, .example.com,*.corp.lan  10.0.0.0/8,192.168.1.5:8443,[::1]:443,fd00::7,Internal.Lan.');

  /** Each case: host, port, and the entry that must match it (undefined: the proxy applies). */
  function expectRoutes(cases: [string, number, string | undefined][]): void {
    for (const [host, port, entry] of cases) expect(list.match(host, port), `${host}:${port}`).to.equal(entry);
  }

  it('matches names, domains with or without a leading dot, addresses, CIDR blocks and ports', () => {
    expectRoutes([
      ['localhost', 443, 'localhost'],
      ['LOCALHOST.', 443, 'localhost'],
      ['example.com', 443, '.example.com'],
      ['a.b.example.com', 443, '.example.com'],
      ['corp.lan', 443, '*.corp.lan'],
      ['x.corp.lan', 443, '*.corp.lan'],
      ['10.200.3.4', 443, '10.0.0.0/8'],
      ['192.168.1.5', 8443, '192.168.1.5:8443'],
      ['::1', 443, '[::1]:443'],
      ['[::1]', 443, '[::1]:443'],
      ['fd00:0::7', 22, 'fd00::7'],
      ['host.internal.lan', 443, 'Internal.Lan.'],
    ]);
  });

  it('leaves everything else to the proxy, and never resolves names to match addresses', () => {
    expectRoutes([
      ['notexample.com', 443, undefined],
      ['example.com.evil', 443, undefined],
      ['11.0.0.1', 443, undefined],
      ['192.168.1.5', 443, undefined],
      ['::1', 8443, undefined],
      ['tunnel.example.org', 443, undefined],
      ['127.0.0.1', 443, undefined],
    ]);
    expect(new NoProxyList('*').match('anything', 1)).to.equal('*');
    expect(new NoProxyList(undefined).empty).to.equal(true);
  });
});

describe('proxy selection', () => {
  it('takes --proxy over the environment, lower-case variables over upper-case, HTTPS over ALL', () => {
    const env = { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', ALL_PROXY: 'socks5://all:3' };
    expect(loadProxyConfig({ proxy: 'socks5://flag:4', env })).to.include({ source: '--proxy' });
    expect(loadProxyConfig({ env }).proxy?.host).to.equal('lower');
    expect(loadProxyConfig({ env: { HTTPS_PROXY: 'http://upper:1', ALL_PROXY: 'socks5://all:3' } }).source).to.equal('HTTPS_PROXY');
    expect(loadProxyConfig({ env: { ALL_PROXY: 'socks5://all:3', https_proxy: ' ' } }).source).to.equal('ALL_PROXY');
    expect(loadProxyConfig({ env: {} }).proxy).to.equal(undefined);
  });

  it('routes direct for NO_PROXY hosts, also when the proxy came from --proxy', () => {
    const config = loadProxyConfig({ proxy: 'http://p:3128', env: { no_proxy: 'localhost,127.0.0.1' } });
    expect(proxyRoute(config, '127.0.0.1', 443)).to.deep.equal({ proxy: undefined, description: 'direct (NO_PROXY entry "127.0.0.1")' });
    expect(proxyRoute(config, 'tunnel.example.com', 443).description).to.equal('via HTTP proxy http://p:3128 (from --proxy)');
    expect(proxyRoute(loadProxyConfig({ env: {} }), 'x', 1).description).to.equal('direct');
  });

  it('names the variable that holds a bad URL', () => {
    expect(() => loadProxyConfig({ env: { ALL_PROXY: 'gopher://x' } })).to.throw(/^ALL_PROXY "gopher:\/\/x"/);
  });
});
