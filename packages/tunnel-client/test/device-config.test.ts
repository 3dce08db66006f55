import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readConfigEnv, readConfigFile, resolveDeviceConfig } from '../src/agent/device-config.js';
import { apiEndpointsOf } from '../src/agent/server-endpoints.js';

const identity = 'A'.repeat(43);
const balenaFile = {
  apiEndpoint: 'https://api.balena-cloud.com',
  appUpdatePollInterval: 900000,
  applicationId: '1958513',
  deltaEndpoint: 'https://delta.balena-cloud.com',
  developmentMode: 'true',
  deviceApiKey: '006e82c27eabcd579ce310687b937cd5',
  deviceApiKeys: { 'api.balena-cloud.com': '006e82c27eabcd579ce310687b937cd5' },
  deviceType: 'raspberrypi4-64',
  listenPort: '48484',
  mixpanelToken: '9ef939ea64cb6cd8bbc96af72345d70d',
  registryEndpoint: 'registry2.balena-cloud.com',
  userId: '234385',
  vpnEndpoint: 'cloudlink.balena-cloud.com',
  vpnPort: '443',
  uuid: 'f220105b5a8aa79b6359d2df76a73954',
  registered_at: 1660904681747,
  deviceId: 7842821,
  serverIdentityKey: identity,
};

function writeConfig(data: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cfg-')), 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code + ': ' + (err as Error).message;
  }
  return undefined;
}

describe('agent config (config.json, environment, flags)', () => {
  it('runs straight off a real balena config.json, string ports included', () => {
    const config = resolveDeviceConfig(readConfigFile(writeConfig(balenaFile)));
    expect(config).to.include({
      uuid: 'f220105b5a8aa79b6359d2df76a73954',
      vpnEndpoint: 'cloudlink.balena-cloud.com',
      vpnPort: 443,
      apiEndpoint: 'https://api.balena-cloud.com',
      serverIdentityKey: identity,
    });
  });

  it('defaults vpnPort to 443 and apiEndpoint to the vpn endpoint', () => {
    const { vpnPort: _p, apiEndpoint: _a, ...rest } = balenaFile;
    const config = resolveDeviceConfig(readConfigFile(writeConfig(rest)));
    expect(config.vpnPort).to.equal(443);
    expect(config.apiEndpoint).to.equal('https://cloudlink.balena-cloud.com:443');
  });

  it('lets TUNNEL_* variables override the file and flags override both', () => {
    const file = readConfigFile(writeConfig(balenaFile));
    const env = readConfigEnv({ TUNNEL_VPN_ENDPOINT: 'tunnel.example.com', TUNNEL_VPN_PORT: '8443' });
    const config = resolveDeviceConfig(file, env, { vpnPort: '9443' });
    expect(config.vpnEndpoint).to.equal('tunnel.example.com');
    expect(config.vpnPort).to.equal(9443);
  });

  it('names the key and what was expected for malformed values', () => {
    const base = readConfigFile(writeConfig(balenaFile));
    expect(codeOf(() => resolveDeviceConfig(base, { vpnPort: '70000' }))).to.match(/ERR_CONFIG_INVALID: config key vpnPort must be a port number/);
    expect(codeOf(() => resolveDeviceConfig(base, { vpnPort: 'abc' }))).to.match(/vpnPort/);
    expect(codeOf(() => resolveDeviceConfig(base, { uuid: 'xyz' }))).to.match(/config key uuid must be 32 hexadecimal characters/);
    expect(codeOf(() => resolveDeviceConfig(base, { vpnEndpoint: 'bad host!' }))).to.match(/vpnEndpoint must be a host name/);
    expect(codeOf(() => resolveDeviceConfig(base, { apiEndpoint: 'http://plain' }))).to.match(/apiEndpoint must be an https:\/\/ URL/);
    expect(codeOf(() => resolveDeviceConfig(base, { serverIdentityKey: 'short' }))).to.match(/serverIdentityKey/);
    expect(codeOf(() => resolveDeviceConfig(base, { balenaRootCA: 'not base64 of a PEM' }))).to.match(/balenaRootCA/);
  });

  it('refuses a missing key, naming it and the variable that can supply it', () => {
    const { deviceApiKey: _k, ...rest } = balenaFile;
    expect(codeOf(() => resolveDeviceConfig(readConfigFile(writeConfig(rest))))).to.match(/ERR_CONFIG_MISSING: config key deviceApiKey is missing.*TUNNEL_DEVICE_API_KEY/);
  });

  it('refuses a likely typo of one of its keys but leaves other services keys alone', () => {
    expect(codeOf(() => readConfigFile(writeConfig({ ...balenaFile, vpnPrt: 443 })))).to.match(/ERR_CONFIG_UNKNOWN_KEY: .*"vpnPrt"; did you mean "vpnPort"\?/);
    expect(codeOf(() => readConfigFile(writeConfig({ ...balenaFile, hostname: 'debug-device', persistentLogging: false })))).to.equal(undefined);
  });

  it('refuses a file that is not JSON or not there, saying which file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const bad = path.join(dir, 'config.json');
    writeFileSync(bad, '{ not json');
    expect(codeOf(() => readConfigFile(bad))).to.match(/ERR_CONFIG_NOT_JSON: config file .*config.json is not valid JSON/);
    expect(codeOf(() => readConfigFile(path.join(dir, 'missing.json')))).to.match(/ERR_CONFIG_UNREADABLE/);
  });

  it('reads allowedTargets as a list in the file and ;-separated in the environment', () => {
    const fromFile = resolveDeviceConfig(readConfigFile(writeConfig({ ...balenaFile, allowedTargets: ['192.168.1.0/24:22,80', '10.0.0.5:*'] })));
    expect(fromFile.allowedTargets).to.deep.equal(['192.168.1.0/24:22,80', '10.0.0.5:*']);
    const fromEnv = resolveDeviceConfig(readConfigFile(writeConfig(balenaFile)), readConfigEnv({ TUNNEL_ALLOWED_TARGETS: '192.168.1.0/24:22,80; 10.0.0.5:*' }));
    expect(fromEnv.allowedTargets).to.deep.equal(['192.168.1.0/24:22,80', '10.0.0.5:*']);
  });

  it('reads vpnEndpoints as a list in the file or a comma list in the environment; the single server form stays a list of one', () => {
    const single = resolveDeviceConfig(readConfigFile(writeConfig(balenaFile)));
    expect(single.vpnEndpoints).to.deep.equal([{ host: 'cloudlink.balena-cloud.com', port: 443 }]);
    const fromFile = resolveDeviceConfig(readConfigFile(writeConfig({ ...balenaFile, vpnEndpoints: ['node1.example.com:8443', 'node2.example.com', '[2001:db8::1]:443'] })));
    expect(fromFile.vpnEndpoints).to.deep.equal([
      { host: 'node1.example.com', port: 8443 },
      { host: 'node2.example.com', port: 443 },
      { host: '2001:db8::1', port: 443 },
    ]);
    expect(fromFile).to.deep.include({ vpnEndpoint: 'node1.example.com', vpnPort: 8443 });
    const fromEnv = resolveDeviceConfig(readConfigFile(writeConfig(balenaFile)), readConfigEnv({ TUNNEL_VPN_ENDPOINTS: 'a.example.com:1,b.example.com:2' }));
    expect(fromEnv.vpnEndpoints.map((e) => `${e.host}:${e.port}`)).to.deep.equal(['a.example.com:1', 'b.example.com:2']);
    expect(codeOf(() => resolveDeviceConfig(readConfigEnv({ ...balenaEnv(), TUNNEL_VPN_ENDPOINTS: 'node1:99999' })))).to.match(/ERR_CONFIG_INVALID: config key vpnEndpoints must be a list of host:port/);
    expect(codeOf(() => readConfigFile(writeConfig({ ...balenaFile, vpnEndpoints: 'node1:443' })))).to.match(/ERR_CONFIG_INVALID: config key vpnEndpoints must be a list of strings/);
  });

  it('sends heartbeats round the endpoints unless apiEndpoint names its own server', () => {
    const listed = { ...balenaFile, apiEndpoint: undefined, vpnEndpoints: ['node1.example.com:8443', '[2001:db8::1]'] };
    expect(apiEndpointsOf(resolveDeviceConfig(readConfigFile(writeConfig(listed))))).to.deep.equal(['https://node1.example.com:8443', 'https://[2001:db8::1]:443']);
    const ownApi = { ...listed, apiEndpoint: 'https://api.example.com' };
    expect(apiEndpointsOf(resolveDeviceConfig(readConfigFile(writeConfig(ownApi))))).to.deep.equal(['https://api.example.com']);
  });
});

function balenaEnv(): Record<string, string> {
  return { TUNNEL_UUID: balenaFile.uuid, TUNNEL_DEVICE_API_KEY: balenaFile.deviceApiKey, TUNNEL_SERVER_IDENTITY_KEY: identity };
}
