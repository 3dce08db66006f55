import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCode } from '@tunnel/protocol/errors';
import { loadAgentConfig } from '../../src/agent/agent-config.js';

const device = {
  uuid: 'f220105b5a8aa79b6359d2df76a73954',
  deviceApiKey: '006e82c27eabcd579ce310687b937cd5',
  vpnEndpoint: 'tunnel.example.com',
  vpnPort: '443',
  serverIdentityKey: 'A'.repeat(43),
};

function writeConfig(data: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'agent-cfg-')), 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

describe('agent configuration: file, then the given environment, then flags', () => {
  it('reads TUNNEL_CONFIG and TUNNEL_* overrides from the environment it is given, not process.env', () => {
    const file = writeConfig(device);
    expect(process.env['TUNNEL_CONFIG']).to.equal(undefined);
    const config = loadAgentConfig({}, { TUNNEL_CONFIG: file, TUNNEL_VPN_PORT: '8443' });
    expect(config.uuid).to.equal(device.uuid);
    expect(config.vpnPort).to.equal(8443);
  });

  it('lets flags win over the environment and the file', () => {
    const file = writeConfig(device);
    const config = loadAgentConfig({ config: file, vpnEndpoint: '127.0.0.1' }, { TUNNEL_VPN_ENDPOINT: 'ignored.example.com' });
    expect(config.vpnEndpoint).to.equal('127.0.0.1');
  });

  it('says what to pass when there is no configuration at all', function () {
    // /mnt/boot/config.json would be picked up on a real device; this machine must not have one.
    let err: unknown;
    try {
      loadAgentConfig({}, {});
    } catch (e) {
      err = e;
    }
    if (err === undefined) this.skip();
    expect(errorCode(err)).to.equal('ERR_CONFIG_MISSING');
    expect((err as Error).message).to.match(/pass --config FILE/);
  });
});
