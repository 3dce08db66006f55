import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadProxyConfig, proxyRoute } from '../../src/net/proxy-config.js';

/** A system-proxy folder holding these files, as balenaOS keeps it on the boot partition. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'system-proxy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("balenaOS's system-proxy files", () => {
  it('reads redsocks.conf in any of the forms redsocks accepts: comments, quotes, other sections around it', () => {
    const dir = folder({
      'redsocks.conf': [
        '# written by hand',
        'base { log = stderr; redirector = iptables; }',
        '/* the proxy */ redsocks {',
        '  type = http-connect;   // CONNECT',
        '  ip = "proxy.corp.lan";',
        '  port = 3128;',
        '  login = "al ice";',
        '  password = "p@ss;wo#rd"; # shell comment',
        '}',
      ].join('\n'),
    });
    const config = loadProxyConfig({ env: { TUNNEL_SYSTEM_PROXY_DIR: dir } });
    expect(config.proxy).to.include({ protocol: 'http', host: 'proxy.corp.lan', port: 3128, username: 'al ice', password: 'p@ss;wo#rd' });
    expect(config.source).to.equal(path.join(dir, 'redsocks.conf'));
  });

  it('takes the no_proxy file one entry a line, unless NO_PROXY is set', () => {
    const dir = folder({ 'redsocks.conf': 'redsocks { type = socks5; ip = 10.0.0.1; port = 1080; }', no_proxy: '192.168.0.0/16\n*.local\n' });
    const config = loadProxyConfig({ env: { TUNNEL_SYSTEM_PROXY_DIR: dir } });
    expect(proxyRoute(config, '192.168.4.2', 443).description).to.equal('direct (NO_PROXY entry "192.168.0.0/16")');
    expect(proxyRoute(config, 'tunnel.example.com', 443).description).to.equal(`via SOCKS5 proxy socks5://10.0.0.1:1080 (from ${path.join(dir, 'redsocks.conf')})`);
    const overridden = loadProxyConfig({ env: { TUNNEL_SYSTEM_PROXY_DIR: dir, NO_PROXY: 'example.com' } });
    expect(proxyRoute(overridden, '192.168.4.2', 443).proxy).to.not.equal(undefined);
  });

  it('ranks after --proxy and the environment, and is absent without the folder', () => {
    const dir = folder({ 'redsocks.conf': 'redsocks { type = socks5; ip = 10.0.0.1; port = 1080; }' });
    expect(loadProxyConfig({ proxy: 'http://p:1', env: { TUNNEL_SYSTEM_PROXY_DIR: dir } }).source).to.equal('--proxy');
    expect(loadProxyConfig({ env: { TUNNEL_SYSTEM_PROXY_DIR: dir, ALL_PROXY: 'http://p:1' } }).source).to.equal('ALL_PROXY');
    expect(loadProxyConfig({ env: { TUNNEL_SYSTEM_PROXY_DIR: path.join(dir, 'missing') } }).proxy).to.equal(undefined);
  });

  it('names the file and what is wrong with it', () => {
    const cases: [string, RegExp][] = [
      ['base { }', /has no "redsocks \{ \.\.\. \}" section/],
      ['redsocks { type = http-relay; ip = 1.2.3.4; port = 80; }', /type "http-relay" is not supported/],
      ['redsocks { type = socks5; port = 80; }', /has no "ip = \.\.\.;"/],
      ['redsocks { type = socks5; ip = 1.2.3.4; port = x; }', /needs "port = <number>;"/],
    ];
    for (const [text, message] of cases) {
      const dir = folder({ 'redsocks.conf': text });
      expect(() => loadProxyConfig({ env: { TUNNEL_SYSTEM_PROXY_DIR: dir } }), text)
        .to.throw(message)
        .with.property('code', 'ERR_PROXY_SYSTEM_CONFIG_INVALID');
    }
  });
});
