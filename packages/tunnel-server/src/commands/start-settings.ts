import {
  collect,
  parseCountArg,
  parseDuration,
  parseDurationArg,
  parsePortArg,
  type SettingRow,
} from '@tunnel/protocol/cli';
import { CodedError } from '@tunnel/protocol/errors';
import { InvalidArgumentError, Option } from 'commander';
import { defaultServerSettings, type ServerSettings } from '../server.js';
import { PROXY_PROTOCOL_MODES, trustedSourceList, type ProxyProtocolMode } from '../proxy-protocol/proxy-front.js';
import type { TerminalSettings } from '../web-terminal/terminal-session.js';
import { ServerConfigErrorCode } from './command-errors.js';
import { dataOption, parseListenPortArg, presenceOption, registryOption } from './options.js';

/**
 * One setting of `tunnel-server start`: its key in the --config file, its flag and environment
 * variable, its default and what it does. --help, the --config help, the config file reader and
 * the docs table (docs/configuration.md, checked by a test) all come from START_SETTINGS.
 */
export interface StartSetting extends SettingRow {
  /** Key in the --config JSON file. */
  key: string;
  /** Reads the file's value into the settings; throws ERR_CONFIG_INVALID naming the key. */
  fromFile(value: unknown, settings: Partial<ServerSettings>): void;
  /** Copies a flag's parsed value into the settings. */
  fromFlag?(value: unknown, settings: Partial<ServerSettings>): void;
  /** Parses the flag's argument (durations, ports, repeated values); the text as given when absent. */
  parse?(value: string, previous: unknown): unknown;
  /** The commander option, when it is shared with other commands (--data). */
  option?(): Option;
}

function invalid(key: string, expected: string, got: unknown): CodedError {
  return new CodedError(ServerConfigErrorCode.Invalid, `server config key ${key} must be ${expected}, got ${JSON.stringify(got)}`);
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalid(key, 'a non-empty string', v);
  return v;
}

function strList(key: string, expected: string, v: unknown): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid(key, expected, v);
  return v as string[];
}

function duration(key: string, flag: string, help: string, defaultText: string, set: (ms: number, s: Partial<ServerSettings>) => void): StartSetting {
  return {
    key,
    flag,
    default: defaultText,
    help,
    fromFile: (v, s) => set(parseDuration(String(v), key), s),
    fromFlag: (v, s) => set(v as number, s),
    parse: parseDurationArg,
  };
}

/** A setting that is one non-empty string, the same from the file and the flag. */
function text(key: string, flag: string, defaultText: string, help: string, set: (v: string, s: Partial<ServerSettings>) => void): StartSetting {
  return { key, flag, default: defaultText, help, fromFile: (v, s) => set(str(key, v), s), fromFlag: (v, s) => set(v as string, s) };
}

const keepAlive = (field: 'keepAliveInterval' | 'keepAliveTimeout') => (ms: number, s: Partial<ServerSettings>) => (s.yamux = { ...s.yamux, [field]: ms });

/** A flag's parser applied to a config file value, its complaint naming the key. */
function configArg<T>(key: string, v: unknown, parse: (text: string) => T): T {
  try {
    return parse(String(v));
  } catch (err) {
    throw invalid(key, (err as Error).message.replace(/^must be /, ''), v);
  }
}

/** A whole-number setting of at least 1 (limits and caps). */
function count(key: string, flag: string, help: string, defaultValue: number, set: (n: number, s: Partial<ServerSettings>) => void): StartSetting {
  return {
    key,
    flag,
    default: String(defaultValue),
    help: `${help} (default ${defaultValue})`,
    fromFile: (v, s) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw invalid(key, 'a whole number of at least 1', v);
      set(v, s);
    },
    fromFlag: (v, s) => set(v as number, s),
    parse: parseCountArg,
  };
}

const preAuth = (change: Partial<ServerSettings['preAuth']>) => (s: Partial<ServerSettings>) => (s.preAuth = { ...(s.preAuth ?? defaultServerSettings.preAuth), ...change });

function withTerminal(s: Partial<ServerSettings>, change: Partial<TerminalSettings>): TerminalSettings {
  return { ...defaultServerSettings.terminal, ...s.terminal, ...change };
}

/** A recording must at least hold its header and the line saying it stopped. */
const MIN_RECORDING_BYTES = 4096;

function parseRecordingMaxBytes(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < MIN_RECORDING_BYTES) throw new InvalidArgumentError(`must be a whole number of bytes, at least ${MIN_RECORDING_BYTES}, got "${value}"`);
  return n;
}

const { preAuth: pa, terminal } = defaultServerSettings;

function parseProxyProtocolMode(value: string): ProxyProtocolMode {
  const mode = PROXY_PROTOCOL_MODES.find((m) => m === value);
  if (mode === undefined) throw new InvalidArgumentError(`must be one of ${PROXY_PROTOCOL_MODES.join(', ')}, got "${value}"`);
  return mode;
}

/** Load balancer addresses: a comma-separated list of addresses or CIDR ranges, repeatable. */
function parseTrustedSources(value: string, previous: unknown): string[] {
  const entries = value.split(',').map((e) => e.trim()).filter(Boolean);
  try {
    trustedSourceList(entries);
  } catch {
    throw new InvalidArgumentError(`must be IP addresses or CIDR ranges such as 10.0.0.0/24, got "${value}"`);
  }
  return [...((previous as string[] | undefined) ?? []), ...entries];
}

const withProxyProtocol = (s: Partial<ServerSettings>, change: Partial<ServerSettings['proxyProtocol']>): ServerSettings['proxyProtocol'] => ({
  ...defaultServerSettings.proxyProtocol,
  ...s.proxyProtocol,
  ...change,
});

export const START_SETTINGS: readonly StartSetting[] = [
  {
    key: 'host',
    flag: '--host <addr>',
    default: defaultServerSettings.host,
    help: `address to listen on (default ${defaultServerSettings.host})`,
    fromFile: (v, s) => (s.host = str('host', v)),
    fromFlag: (v, s) => (s.host = v as string),
  },
  {
    key: 'port',
    flag: '--port <n>',
    default: String(defaultServerSettings.port),
    help: `port to listen on (default ${defaultServerSettings.port}; 0 picks a free port)`,
    fromFile: (v, s) => (s.port = parseListenPortArg(String(v))),
    fromFlag: (v, s) => (s.port = v as number),
    parse: parseListenPortArg,
  },
  {
    // The flag has a default; start only lets an explicit --data (or TUNNEL_DATA) beat the file.
    key: 'data',
    flag: '--data <dir>',
    env: 'TUNNEL_DATA',
    default: './data',
    help: dataOption().description,
    fromFile: (v, s) => (s.dataDir = str('data', v)),
    option: dataOption,
  },
  text('cert', '--cert <file>', 'a development CA in the data directory', 'PEM certificate chain of this server (without it a development CA is generated in the data directory)', (v, s) => (s.certFile = v)),
  text('key', '--key <file>', 'with --cert', 'PEM private key matching --cert', (v, s) => (s.keyFile = v)),
  {
    key: 'hostnames',
    flag: '--hostname <name>',
    default: 'none',
    help: 'extra DNS name or IP for the development certificate (repeatable)',
    fromFile: (v, s) => (s.hostnames = strList('hostnames', 'a list of host names', v)),
    fromFlag: (v, s) => (s.hostnames = v as string[]),
    parse: (value, previous) => collect(value, previous as string[] | undefined),
  },
  {
    key: 'registry',
    flag: '--registry <url>',
    env: 'TUNNEL_REGISTRY',
    default: 'SQLite in the data directory',
    help: registryOption().description,
    fromFile: (v, s) => (s.registryUrl = str('registry', v)),
    fromFlag: (v, s) => (s.registryUrl = v as string),
    option: registryOption,
  },
  {
    key: 'presence',
    flag: '--presence <url>',
    env: 'TUNNEL_PRESENCE',
    default: 'SQLite in the data directory',
    help: presenceOption().description,
    fromFile: (v, s) => (s.presenceUrl = str('presence', v)),
    fromFlag: (v, s) => (s.presenceUrl = v as string),
    option: presenceOption,
  },
  {
    key: 'nodeId',
    flag: '--node-id <id>',
    default: 'the host name',
    help: 'name of this node in presence, unique in a cluster (default: the host name)',
    fromFile: (v, s) => (s.nodeId = str('nodeId', v)),
    fromFlag: (v, s) => (s.nodeId = v as string),
  },
  text(
    'clusterListen',
    '--cluster-listen <host:port>',
    'off',
    'take streams relayed by the other nodes of a cluster on this address (mutual TLS with the cluster CA; needs --presence); port 0 picks a free port. Without it the node relays nothing',
    (v, s) => (s.clusterListen = v),
  ),
  text(
    'clusterAdvertise',
    '--cluster-advertise <host:port>',
    'the --cluster-listen address',
    'the address the other nodes dial for --cluster-listen (needed when that binds 0.0.0.0 or ::), published in presence',
    (v, s) => (s.clusterAdvertise = v),
  ),
  {
    key: 'proxyProtocol',
    flag: '--proxy-protocol <version>',
    default: 'off',
    help: 'expect a PROXY protocol header (v1, v2 or any) from a TCP load balancer before TLS, so limits and logs see the client address; a connection without one is refused (default off)',
    fromFile: (v, s) => (s.proxyProtocol = withProxyProtocol(s, { mode: configArg('proxyProtocol', v, parseProxyProtocolMode) })),
    fromFlag: (v, s) => (s.proxyProtocol = withProxyProtocol(s, { mode: v as ProxyProtocolMode })),
    parse: parseProxyProtocolMode,
  },
  {
    key: 'proxyProtocolFrom',
    flag: '--proxy-protocol-from <cidrs>',
    default: 'any source',
    help: 'with --proxy-protocol, accept connections only from these load balancer addresses or CIDR ranges (comma-separated, repeatable)',
    fromFile: (v, s) => {
      const sources = strList('proxyProtocolFrom', 'a list of addresses or CIDR ranges', v).join(',');
      s.proxyProtocol = withProxyProtocol(s, { trustedSources: configArg('proxyProtocolFrom', sources, (text) => parseTrustedSources(text, [])) });
    },
    fromFlag: (v, s) => (s.proxyProtocol = withProxyProtocol(s, { trustedSources: v as string[] })),
    parse: parseTrustedSources,
  },
  duration('drainGrace', '--drain-grace <duration>', 'on SIGTERM, time for streams in flight after GoAway (default 10s)', '10s', (ms, s) => (s.drainGraceMs = ms)),
  duration(
    'drainWindow',
    '--drain-window <duration>',
    'on SIGTERM, disconnect devices one by one over this window instead of all at once, so other nodes take them over at a pace (default 0s: at once)',
    '0s',
    (ms, s) => (s.drainWindowMs = ms),
  ),
  duration('drainSpread', '--drain-spread <duration>', 'devices are told to reconnect at a random moment within this window (default 30s)', '30s', (ms, s) => (s.drainSpreadMs = ms)),
  {
    key: 'authFailureDelay',
    default: '1s',
    help: 'a failed device or token authentication is answered only after this delay, which slows guessing',
    fromFile: (v, s) => (s.authFailureDelayMs = parseDuration(String(v), 'authFailureDelay')),
  },
  duration('keepaliveInterval', '--keepalive-interval <duration>', 'ping every session this often (default 15s)', '15s', keepAlive('keepAliveInterval')),
  duration('keepaliveTimeout', '--keepalive-timeout <duration>', 'a ping unanswered this long closes the session (default 30s)', '30s', keepAlive('keepAliveTimeout')),
  count('preauthPerSource', '--preauth-per-source <n>', 'unauthenticated connections one address may hold', pa.perSource, (n, s) => preAuth({ perSource: n })(s)),
  count('preauthGlobal', '--preauth-global <n>', 'unauthenticated connections in all', pa.global, (n, s) => preAuth({ global: n })(s)),
  duration('preauthTimeout', '--preauth-timeout <duration>', `a connection not authenticated this long after it opened is closed (default ${pa.timeoutMs / 1000}s)`, `${pa.timeoutMs / 1000}s`, (ms, s) => preAuth({ timeoutMs: ms })(s)),
  count('userStreamLimit', '--user-stream-limit <n>', 'streams one user may have open at once', defaultServerSettings.userStreamLimit, (n, s) => (s.userStreamLimit = n)),
  count('userSessionLimit', '--user-session-limit <n>', 'device tunnel sessions one user may hold at once', defaultServerSettings.userSessionLimit, (n, s) => (s.userSessionLimit = n)),
  {
    key: 'terminalSshPort',
    flag: '--terminal-ssh-port <n>',
    default: String(terminal.sshPort),
    help: `the devices' sshd port the browser terminal logs in to (default ${terminal.sshPort})`,
    fromFile: (v, s) => (s.terminal = withTerminal(s, { sshPort: configArg('terminalSshPort', v, parsePortArg) })),
    fromFlag: (v, s) => (s.terminal = withTerminal(s, { sshPort: v as number })),
    parse: parsePortArg,
  },
  {
    key: 'terminalSshUser',
    flag: '--terminal-ssh-user <name>',
    default: terminal.sshUser,
    help: `the user the browser terminal logs in as (default ${terminal.sshUser})`,
    fromFile: (v, s) => (s.terminal = withTerminal(s, { sshUser: str('terminalSshUser', v) })),
    fromFlag: (v, s) => (s.terminal = withTerminal(s, { sshUser: v as string })),
  },
  {
    key: 'metricsTokenFile',
    flag: '--metrics-token-file <file>',
    default: 'none: admins only',
    help: 'file holding a token (32+ characters) that reads /metrics and nothing else, for Prometheus; admins\' tokens read it too',
    fromFile: (v, s) => (s.metricsTokenFile = str('metricsTokenFile', v)),
    fromFlag: (v, s) => (s.metricsTokenFile = v as string),
  },
  {
    key: 'recordingMaxBytes',
    flag: '--recording-max-bytes <n>',
    default: String(terminal.recordingMaxBytes),
    help: `a terminal recording stops growing at this size (default ${terminal.recordingMaxBytes})`,
    fromFile: (v, s) => (s.terminal = withTerminal(s, { recordingMaxBytes: configArg('recordingMaxBytes', v, parseRecordingMaxBytes) })),
    fromFlag: (v, s) => (s.terminal = withTerminal(s, { recordingMaxBytes: v as number })),
    parse: parseRecordingMaxBytes,
  },
];

/** The --config help: every key the file accepts. */
export const CONFIG_OPTION_HELP = `JSON file with settings (${START_SETTINGS.map((s) => s.key).join(', ')})`;

/** The commander options of `start`, in table order but for --data. */
export function startOptions(): Option[] {
  // The shared --data comes first, as on every other server command.
  const flagged = START_SETTINGS.filter((s) => s.flag !== undefined);
  return [...flagged.filter((s) => s.option), ...flagged.filter((s) => !s.option)].map((s) => {
    if (s.option) return s.option();
    const option = new Option(s.flag as string, s.help);
    return s.parse ? option.argParser(s.parse) : option;
  });
}

/** The commander attribute name of a flag: `--drain-grace <duration>` -> drainGrace. */
export function attributeOf(flag: string): string {
  const name = flag.split(' ')[0]?.replace(/^--/, '') ?? '';
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Reads a --config file's object; unknown keys are refused with the list of known ones. */
export function applyFileSettings(file: string, data: Record<string, unknown>): Partial<ServerSettings> {
  const settings: Partial<ServerSettings> = {};
  for (const [key, value] of Object.entries(data)) {
    const setting = START_SETTINGS.find((s) => s.key === key);
    if (!setting) throw new CodedError(ServerConfigErrorCode.UnknownKey, `server config ${file} has unknown key "${key}"; known keys: ${START_SETTINGS.map((s) => s.key).join(', ')}`);
    setting.fromFile(value, settings);
  }
  return settings;
}

/** The flags given on the command line, over what the file said (data is handled by start). */
export function applyFlagSettings(flags: Record<string, unknown>, settings: Partial<ServerSettings>): void {
  for (const s of START_SETTINGS) {
    if (s.flag === undefined || s.fromFlag === undefined) continue;
    const value = flags[attributeOf(s.flag)];
    if (value !== undefined) s.fromFlag(value, settings);
  }
}

/** Name of the docs/configuration.md block that holds the table. */
export const START_SETTINGS_BLOCK = 'tunnel-server-start-settings';
