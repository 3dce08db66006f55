import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Command } from 'commander';
import { replaceGeneratedBlock, settingsMarkdownTable } from '@tunnel/protocol/cli';
import { errorCode } from '@tunnel/protocol/errors';
import {
  applyFileSettings,
  applyFlagSettings,
  CONFIG_OPTION_HELP,
  START_SETTINGS,
  START_SETTINGS_BLOCK,
  startOptions,
} from '../src/commands/start-settings.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('tunnel-server start: one settings table', () => {
  it('docs/configuration.md holds the table generated from it (npm run docs:settings)', () => {
    const doc = readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    expect(replaceGeneratedBlock(doc, START_SETTINGS_BLOCK, settingsMarkdownTable(START_SETTINGS)), 'docs/configuration.md is out of date: run npm run docs:settings').to.equal(doc);
  });

  it('--config help names every key the file accepts', () => {
    for (const s of START_SETTINGS) expect(CONFIG_OPTION_HELP).to.contain(s.key);
  });

  it('reads every key of a file, and refuses an unknown one naming the known ones', () => {
    const settings = applyFileSettings('server.json', {
      host: '127.0.0.1',
      port: 8443,
      data: '/var/lib/tunnel',
      hostnames: ['tunnel.example.com'],
      drainGrace: '2s',
      authFailureDelay: '250ms',
      keepaliveInterval: '5s',
      keepaliveTimeout: '20s',
    });
    expect(settings).to.deep.include({ host: '127.0.0.1', port: 8443, dataDir: '/var/lib/tunnel', hostnames: ['tunnel.example.com'], drainGraceMs: 2000, authFailureDelayMs: 250 });
    expect(settings.yamux).to.deep.equal({ keepAliveInterval: 5000, keepAliveTimeout: 20000 });
    let err: unknown;
    try {
      applyFileSettings('server.json', { drainGrase: '1s' });
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).to.equal('ERR_CONFIG_UNKNOWN_KEY');
    expect((err as Error).message).to.contain(`known keys: ${START_SETTINGS.map((s) => s.key).join(', ')}`);
  });

  it('parses every flag into the same settings the file would give', () => {
    const command = new Command().exitOverride();
    for (const option of startOptions()) command.addOption(option);
    command.parse(['--port', '0', '--hostname', 'a', '--hostname', 'b', '--drain-spread', '1m', '--keepalive-timeout', '9s', '--node-id', 'n1'], { from: 'user' });
    const settings = {};
    applyFlagSettings(command.opts(), settings);
    expect(settings).to.deep.equal({ port: 0, hostnames: ['a', 'b'], drainSpreadMs: 60_000, nodeId: 'n1', yamux: { keepAliveTimeout: 9000 } });
  });

  it('reads the load balancer settings from a file and from flags alike, and refuses bad ones', () => {
    const fromFile = applyFileSettings('server.json', { proxyProtocol: 'v2', proxyProtocolFrom: ['10.0.0.5', '10.1.0.0/16'], drainWindow: '30s' });
    expect(fromFile).to.deep.include({ proxyProtocol: { mode: 'v2', trustedSources: ['10.0.0.5', '10.1.0.0/16'] }, drainWindowMs: 30_000 });
    const command = new Command().exitOverride();
    for (const option of startOptions()) command.addOption(option);
    command.parse(['--proxy-protocol', 'v2', '--proxy-protocol-from', '10.0.0.5,10.1.0.0/16', '--drain-window', '30s'], { from: 'user' });
    const fromFlags = {};
    applyFlagSettings(command.opts(), fromFlags);
    expect(fromFlags).to.deep.equal(fromFile);

    const refusal = (data: Record<string, unknown>): string => {
      try {
        applyFileSettings('server.json', data);
      } catch (e) {
        return `${errorCode(e)}: ${(e as Error).message}`;
      }
      return 'accepted';
    };
    expect(refusal({ proxyProtocol: 'v3' })).to.match(/^ERR_CONFIG_INVALID: .*proxyProtocol must be one of off, v1, v2, any/);
    expect(refusal({ proxyProtocolFrom: ['10.0.0.0/33'] })).to.match(/^ERR_CONFIG_INVALID: .*proxyProtocolFrom must be IP addresses or CIDR ranges/);
    expect(refusal({ proxyProtocolFrom: ['lb.example.com'] })).to.match(/^ERR_CONFIG_INVALID/);
  });
});
