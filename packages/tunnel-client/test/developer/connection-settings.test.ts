import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorCode } from '@tunnel/protocol/errors';
import { loggedInConnection, parseServerUrl } from '../../src/developer/connection-settings.js';
import { credentialsFile, readCredentials, writeCredentials } from '../../src/developer/credentials.js';

describe('developer credentials and connection settings', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'creds-test-'));
    env = { XDG_CONFIG_HOME: dir, HOME: '/nonexistent' };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores credentials under XDG_CONFIG_HOME, readable by the owner only', () => {
    const file = credentialsFile(env);
    expect(file).to.equal(path.join(dir, 'tunnel-client', 'credentials.json'));
    writeCredentials(file, { server: 'https://a.example:8443', token: 'tnl_x', ca: 'PEM', user: 'alice' });
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).to.equal(0o700);
    expect(readCredentials(file)).to.deep.equal({ server: 'https://a.example:8443', token: 'tnl_x', ca: 'PEM', user: 'alice' });
    // Rewriting keeps the mode even if the file was loosened meanwhile.
    writeCredentials(file, { server: 'https://b.example', token: 'tnl_y' });
    expect(statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('falls back to ~/.config without XDG_CONFIG_HOME', () => {
    expect(credentialsFile({ HOME: '/home/dev' })).to.equal('/home/dev/.config/tunnel-client/credentials.json');
  });

  it('takes flags over environment over the stored login, field by field', () => {
    writeCredentials(credentialsFile(env), { server: 'https://stored.example', token: 'tnl_stored', ca: 'STORED-CA' });
    expect(loggedInConnection({}, env)).to.deep.include({ token: 'tnl_stored', ca: ['STORED-CA'] });
    expect(loggedInConnection({}, env).server.origin).to.equal('https://stored.example');

    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, 'ENV-CA');
    const withEnv = loggedInConnection({}, { ...env, TUNNEL_SERVER: 'https://env.example:9443', TUNNEL_TOKEN: 'tnl_env', TUNNEL_CA: ca });
    expect(withEnv.server.origin).to.equal('https://env.example:9443');
    expect(withEnv.token).to.equal('tnl_env');
    expect(withEnv.ca).to.deep.equal(['ENV-CA']);

    const withFlags = loggedInConnection({ server: 'flag.example', token: 'tnl_flag' }, { ...env, TUNNEL_TOKEN: 'tnl_env', TUNNEL_SERVER: '' });
    expect(withFlags.server.origin).to.equal('https://flag.example');
    expect(withFlags.token).to.equal('tnl_flag');
    expect(withFlags.ca).to.deep.equal(['STORED-CA']);
  });

  it('says how to log in when nothing is configured', () => {
    let err: unknown;
    try {
      loggedInConnection({}, env);
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).to.equal('ERR_NOT_LOGGED_IN');
    expect((err as Error).message).to.contain('tunnel-client login --server');
  });

  it('refuses plain http and unreadable CA files', () => {
    expect(() => parseServerUrl('http://a.example')).to.throw(/must be an https:\/\//);
    expect(() => loggedInConnection({ server: 'https://a', token: 't', ca: path.join(dir, 'missing.pem') }, env)).to.throw(/cannot read the CA file/);
  });

  it('refuses a damaged credentials file with the fix', () => {
    const file = credentialsFile(env);
    writeCredentials(file, { server: 'https://a', token: 't' });
    writeFileSync(file, '{not json');
    expect(() => readCredentials(file)).to.throw(/run `tunnel-client login` again/);
    expect(readFileSync(file, 'utf8')).to.equal('{not json');
  });
});
