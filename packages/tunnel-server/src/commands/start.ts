import { readFileSync } from 'node:fs';
import { CodedError, collect, createLogger, parseCountArg, parseDuration, parseDurationArg, parsePortArg } from '@tunnel/protocol';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { TerminalSettings } from '../web-terminal/terminal-session.js';
import { defaultServerSettings, TunnelServer, type ServerSettings } from '../server.js';
import { dataOption, parseListenPortArg, presenceOption, registryOption } from './options.js';
import { ServerConfigErrorCode } from './command-errors.js';

interface StartFlags {
  config?: string;
  data: string;
  host?: string;
  port?: number;
  cert?: string;
  key?: string;
  hostname?: string[];
  registry?: string;
  presence?: string;
  nodeId?: string;
  drainGrace?: number;
  drainSpread?: number;
  keepaliveInterval?: number;
  keepaliveTimeout?: number;
  preauthPerSource?: number;
  preauthGlobal?: number;
  preauthTimeout?: number;
  userStreamLimit?: number;
  userSessionLimit?: number;
  terminalSshPort?: number;
  terminalSshUser?: string;
  recordingMaxBytes?: number;
}

/** A recording must at least hold its header and the line saying it stopped. */
const MIN_RECORDING_BYTES = 4096;

function parseRecordingMaxBytes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < MIN_RECORDING_BYTES) throw new InvalidArgumentError(`must be a whole number of bytes, at least ${MIN_RECORDING_BYTES}, got "${value}"`);
  return n;
}

function withTerminal(s: Partial<ServerSettings>, change: Partial<TerminalSettings>): TerminalSettings {
  return { ...defaultServerSettings.terminal, ...s.terminal, ...change };
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
  registry: (v, s) => (s.registryUrl = str('registry', v)),
  presence: (v, s) => (s.presenceUrl = str('presence', v)),
  nodeId: (v, s) => (s.nodeId = str('nodeId', v)),
  drainGrace: (v, s) => (s.drainGraceMs = parseDuration(String(v), 'drainGrace')),
  drainSpread: (v, s) => (s.drainSpreadMs = parseDuration(String(v), 'drainSpread')),
  authFailureDelay: (v, s) => (s.authFailureDelayMs = parseDuration(String(v), 'authFailureDelay')),
  keepaliveInterval: (v, s) => (s.yamux = { ...s.yamux, keepAliveInterval: parseDuration(String(v), 'keepaliveInterval') }),
  keepaliveTimeout: (v, s) => (s.yamux = { ...s.yamux, keepAliveTimeout: parseDuration(String(v), 'keepaliveTimeout') }),
  preauthPerSource: (v, s) => (s.preAuth = { ...(s.preAuth ?? defaultServerSettings.preAuth), perSource: count('preauthPerSource', v) }),
  preauthGlobal: (v, s) => (s.preAuth = { ...(s.preAuth ?? defaultServerSettings.preAuth), global: count('preauthGlobal', v) }),
  preauthTimeout: (v, s) => (s.preAuth = { ...(s.preAuth ?? defaultServerSettings.preAuth), timeoutMs: parseDuration(String(v), 'preauthTimeout') }),
  userStreamLimit: (v, s) => (s.userStreamLimit = count('userStreamLimit', v)),
  userSessionLimit: (v, s) => (s.userSessionLimit = count('userSessionLimit', v)),
  terminalSshPort: (v, s) => (s.terminal = withTerminal(s, { sshPort: configArg('terminalSshPort', v, parsePortArg) })),
  terminalSshUser: (v, s) => (s.terminal = withTerminal(s, { sshUser: str('terminalSshUser', v) })),
  recordingMaxBytes: (v, s) => (s.terminal = withTerminal(s, { recordingMaxBytes: configArg('recordingMaxBytes', v, parseRecordingMaxBytes) })),
};

function count(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw invalid(key, 'a whole number of at least 1', v);
  return v;
}

function invalid(key: string, expected: string, got: unknown): CodedError {
  return new CodedError(ServerConfigErrorCode.Invalid, `server config key ${key} must be ${expected}, got ${JSON.stringify(got)}`);
}

/** A flag's parser applied to a config file value, its complaint naming the key. */
function configArg<T>(key: string, v: unknown, parse: (text: string) => T): T {
  try {
    return parse(String(v));
  } catch (err) {
    throw invalid(key, (err as Error).message.replace(/^must be /, ''), v);
  }
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
    throw new CodedError(ServerConfigErrorCode.Unreadable, `cannot read server config ${file}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CodedError(ServerConfigErrorCode.Invalid, `server config ${file} must hold a JSON object`);
  const settings: Partial<ServerSettings> = {};
  for (const [key, value] of Object.entries(data)) {
    const apply = fileKeys[key];
    if (!apply) throw new CodedError(ServerConfigErrorCode.UnknownKey, `server config ${file} has unknown key "${key}"; known keys: ${Object.keys(fileKeys).join(', ')}`);
    apply(value, settings);
  }
  return settings;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the server: HTTPS and WebSocket listener for devices and developers (port 443 by default).')
    .option('--config <file>', 'JSON file with settings (host, port, data, cert, key, hostnames, registry, presence, nodeId, drainGrace, drainSpread)')
    .addOption(dataOption())
    .addOption(registryOption())
    .addOption(presenceOption())
    .option('--host <addr>', `address to listen on (default ${defaultServerSettings.host})`)
    .option('--port <n>', `port to listen on (default ${defaultServerSettings.port}; 0 picks a free port)`, parseListenPortArg)
    .option('--cert <file>', 'PEM certificate chain of this server (without it a development CA is generated in the data directory)')
    .option('--key <file>', 'PEM private key matching --cert')
    .option('--hostname <name>', 'extra DNS name or IP for the development certificate (repeatable)', collect)
    .option('--node-id <id>', 'name of this node in presence, unique in a cluster (default: the host name)')
    .addOption(new Option('--drain-grace <duration>', 'on SIGTERM, time for streams in flight after GoAway (default 10s)').argParser(parseDurationArg))
    .addOption(new Option('--drain-spread <duration>', 'devices are told to reconnect at a random moment within this window (default 30s)').argParser(parseDurationArg))
    .addOption(new Option('--keepalive-interval <duration>', 'ping every session this often (default 15s)').argParser(parseDurationArg))
    .addOption(new Option('--keepalive-timeout <duration>', 'a ping unanswered this long closes the session (default 30s)').argParser(parseDurationArg))
    .addOption(new Option('--preauth-per-source <n>', `unauthenticated connections one address may hold (default ${defaultServerSettings.preAuth.perSource})`).argParser(parseCountArg))
    .addOption(new Option('--preauth-global <n>', `unauthenticated connections in all (default ${defaultServerSettings.preAuth.global})`).argParser(parseCountArg))
    .addOption(new Option('--preauth-timeout <duration>', `a connection not authenticated this long after it opened is closed (default ${defaultServerSettings.preAuth.timeoutMs / 1000}s)`).argParser(parseDurationArg))
    .addOption(new Option('--user-stream-limit <n>', `streams one user may have open at once (default ${defaultServerSettings.userStreamLimit})`).argParser(parseCountArg))
    .addOption(new Option('--user-session-limit <n>', `device tunnel sessions one user may hold at once (default ${defaultServerSettings.userSessionLimit})`).argParser(parseCountArg))
    .option('--terminal-ssh-port <n>', `the devices' sshd port the browser terminal logs in to (default ${defaultServerSettings.terminal.sshPort})`, parsePortArg)
    .option('--terminal-ssh-user <name>', `the user the browser terminal logs in as (default ${defaultServerSettings.terminal.sshUser})`)
    .option('--recording-max-bytes <n>', `a terminal recording stops growing at this size (default ${defaultServerSettings.terminal.recordingMaxBytes})`, parseRecordingMaxBytes)
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
      if (flags.registry !== undefined) settings.registryUrl = flags.registry;
      if (flags.presence !== undefined) settings.presenceUrl = flags.presence;
      if (flags.nodeId !== undefined) settings.nodeId = flags.nodeId;
      if (flags.drainGrace !== undefined) settings.drainGraceMs = flags.drainGrace;
      if (flags.drainSpread !== undefined) settings.drainSpreadMs = flags.drainSpread;
      if (flags.keepaliveInterval !== undefined) settings.yamux = { ...settings.yamux, keepAliveInterval: flags.keepaliveInterval };
      if (flags.keepaliveTimeout !== undefined) settings.yamux = { ...settings.yamux, keepAliveTimeout: flags.keepaliveTimeout };
      const preAuth = { ...(settings.preAuth ?? defaultServerSettings.preAuth) };
      if (flags.preauthPerSource !== undefined) preAuth.perSource = flags.preauthPerSource;
      if (flags.preauthGlobal !== undefined) preAuth.global = flags.preauthGlobal;
      if (flags.preauthTimeout !== undefined) preAuth.timeoutMs = flags.preauthTimeout;
      settings.preAuth = preAuth;
      if (flags.userStreamLimit !== undefined) settings.userStreamLimit = flags.userStreamLimit;
      if (flags.userSessionLimit !== undefined) settings.userSessionLimit = flags.userSessionLimit;
      if (flags.terminalSshPort !== undefined) settings.terminal = withTerminal(settings, { sshPort: flags.terminalSshPort });
      if (flags.terminalSshUser !== undefined) settings.terminal = withTerminal(settings, { sshUser: flags.terminalSshUser });
      if (flags.recordingMaxBytes !== undefined) settings.terminal = withTerminal(settings, { recordingMaxBytes: flags.recordingMaxBytes });
      if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
        throw new CodedError(ServerConfigErrorCode.Invalid, '--cert and --key go together: give both, or neither for the development CA');
      }
      const log = createLogger({ name: 'tunnel-server' });
      const server = await TunnelServer.start(settings, log);
      server.guard.installProcessHandler();
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
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGHUP', () => void server.certificates.reload('SIGHUP'));
    });
}
