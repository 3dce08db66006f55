import { readFileSync } from 'node:fs';
import { CodedError, collect, createLogger, parseDuration, parseDurationArg } from '@tunnel/protocol';
import { Option, type Command } from 'commander';
import { defaultServerSettings, TunnelServer, type ServerSettings } from '../server.js';
import { dataOption, parseListenPortArg } from './options.js';

interface StartFlags {
  config?: string;
  data: string;
  host?: string;
  port?: number;
  cert?: string;
  key?: string;
  hostname?: string[];
  nodeId?: string;
  drainGrace?: number;
  drainSpread?: number;
  keepaliveInterval?: number;
  keepaliveTimeout?: number;
}

/** Keys a --config file may hold, and how each is read. */
const fileKeys: Record<string, (v: unknown, s: Partial<ServerSettings>) => void> = {
  host: (v, s) => (s.host = str('host', v)),
  port: (v, s) => (s.port = parseListenPortArg(String(v))),
  data: (v, s) => (s.dataDir = str('data', v)),
  cert: (v, s) => (s.certFile = str('cert', v)),
  key: (v, s) => (s.keyFile = str('key', v)),
  hostnames: (v, s) => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid('hostnames', 'a list of host names', v);
    s.hostnames = v as string[];
  },
  nodeId: (v, s) => (s.nodeId = str('nodeId', v)),
  drainGrace: (v, s) => (s.drainGraceMs = parseDuration(String(v), 'drainGrace')),
  drainSpread: (v, s) => (s.drainSpreadMs = parseDuration(String(v), 'drainSpread')),
  authFailureDelay: (v, s) => (s.authFailureDelayMs = parseDuration(String(v), 'authFailureDelay')),
  keepaliveInterval: (v, s) => (s.yamux = { ...s.yamux, keepAliveInterval: parseDuration(String(v), 'keepaliveInterval') }),
  keepaliveTimeout: (v, s) => (s.yamux = { ...s.yamux, keepAliveTimeout: parseDuration(String(v), 'keepaliveTimeout') }),
};

function invalid(key: string, expected: string, got: unknown): CodedError {
  return new CodedError('ERR_CONFIG_INVALID', `server config key ${key} must be ${expected}, got ${JSON.stringify(got)}`);
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalid(key, 'a non-empty string', v);
  return v;
}

function readServerConfig(file: string): Partial<ServerSettings> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CodedError('ERR_CONFIG_UNREADABLE', `cannot read server config ${file}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CodedError('ERR_CONFIG_INVALID', `server config ${file} must hold a JSON object`);
  const settings: Partial<ServerSettings> = {};
  for (const [key, value] of Object.entries(data)) {
    const apply = fileKeys[key];
    if (!apply) throw new CodedError('ERR_CONFIG_UNKNOWN_KEY', `server config ${file} has unknown key "${key}"; known keys: ${Object.keys(fileKeys).join(', ')}`);
    apply(value, settings);
  }
  return settings;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the server: HTTPS and WebSocket listener for devices and developers (port 443 by default).')
    .option('--config <file>', 'JSON file with settings (host, port, data, cert, key, hostnames, nodeId, drainGrace, drainSpread)')
    .addOption(dataOption())
    .option('--host <addr>', `address to listen on (default ${defaultServerSettings.host})`)
    .option('--port <n>', `port to listen on (default ${defaultServerSettings.port}; 0 picks a free port)`, parseListenPortArg)
    .option('--cert <file>', 'PEM certificate chain of this server (without it a development CA is generated in the data directory)')
    .option('--key <file>', 'PEM private key matching --cert')
    .option('--hostname <name>', 'extra DNS name or IP for the development certificate (repeatable)', collect)
    .option('--node-id <id>', 'name of this node in presence (default: the host name)')
    .addOption(new Option('--drain-grace <duration>', 'on SIGTERM, time for streams in flight after GoAway (default 10s)').argParser(parseDurationArg))
    .addOption(new Option('--drain-spread <duration>', 'devices are told to reconnect at a random moment within this window (default 30s)').argParser(parseDurationArg))
    .addOption(new Option('--keepalive-interval <duration>', 'ping every session this often (default 15s)').argParser(parseDurationArg))
    .addOption(new Option('--keepalive-timeout <duration>', 'a ping unanswered this long closes the session (default 30s)').argParser(parseDurationArg))
    .action(async (flags: StartFlags, cmd: Command) => {
      const fromFile = flags.config ? readServerConfig(flags.config) : {};
      const settings: Partial<ServerSettings> = { ...fromFile };
      // --data has a default; only an explicit flag (or env) beats the config file.
      if (cmd.getOptionValueSource('data') !== 'default' || settings.dataDir === undefined) settings.dataDir = flags.data;
      if (flags.host !== undefined) settings.host = flags.host;
      if (flags.port !== undefined) settings.port = flags.port;
      if (flags.cert !== undefined) settings.certFile = flags.cert;
      if (flags.key !== undefined) settings.keyFile = flags.key;
      if (flags.hostname !== undefined) settings.hostnames = flags.hostname;
      if (flags.nodeId !== undefined) settings.nodeId = flags.nodeId;
      if (flags.drainGrace !== undefined) settings.drainGraceMs = flags.drainGrace;
      if (flags.drainSpread !== undefined) settings.drainSpreadMs = flags.drainSpread;
      if (flags.keepaliveInterval !== undefined) settings.yamux = { ...settings.yamux, keepAliveInterval: flags.keepaliveInterval };
      if (flags.keepaliveTimeout !== undefined) settings.yamux = { ...settings.yamux, keepAliveTimeout: flags.keepaliveTimeout };
      if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
        throw new CodedError('ERR_CONFIG_INVALID', '--cert and --key go together: give both, or neither for the development CA');
      }
      const log = createLogger({ name: 'tunnel-server' });
      const server = await TunnelServer.start(settings, log);
      let signals = 0;
      const shutdown = (signal: string): void => {
        signals += 1;
        if (signals > 1) {
          log.warn({ signal }, 'second signal: exiting without waiting for the drain');
          process.exit(1);
        }
        log.info({ signal }, 'shutting down');
        server.stop().then(
          () => process.exit(0),
          (err: Error) => {
            log.error({ err: err.message }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGHUP', () => void server.certificates.reload('SIGHUP'));
    });
}
