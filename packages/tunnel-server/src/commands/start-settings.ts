import { CodedError, collect, parseDuration, parseDurationArg, type SettingRow } from '@tunnel/protocol';
import { Option } from 'commander';
import { defaultServerSettings, type ServerSettings } from '../server.js';
import { dataOption, parseListenPortArg } from './options.js';

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
  return new CodedError('ERR_CONFIG_INVALID', `server config key ${key} must be ${expected}, got ${JSON.stringify(got)}`);
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalid(key, 'a non-empty string', v);
  return v;
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

const keepAlive = (field: 'keepAliveInterval' | 'keepAliveTimeout') => (ms: number, s: Partial<ServerSettings>) => (s.yamux = { ...s.yamux, [field]: ms });

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
  {
    key: 'cert',
    flag: '--cert <file>',
    default: 'a development CA in the data directory',
    help: 'PEM certificate chain of this server (without it a development CA is generated in the data directory)',
    fromFile: (v, s) => (s.certFile = str('cert', v)),
    fromFlag: (v, s) => (s.certFile = v as string),
  },
  {
    key: 'key',
    flag: '--key <file>',
    default: 'with --cert',
    help: 'PEM private key matching --cert',
    fromFile: (v, s) => (s.keyFile = str('key', v)),
    fromFlag: (v, s) => (s.keyFile = v as string),
  },
  {
    key: 'hostnames',
    flag: '--hostname <name>',
    default: 'none',
    help: 'extra DNS name or IP for the development certificate (repeatable)',
    fromFile: (v, s) => {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalid('hostnames', 'a list of host names', v);
      s.hostnames = v as string[];
    },
    fromFlag: (v, s) => (s.hostnames = v as string[]),
    parse: (value, previous) => collect(value, previous as string[] | undefined),
  },
  {
    key: 'nodeId',
    flag: '--node-id <id>',
    default: 'the host name',
    help: 'name of this node in presence (default: the host name)',
    fromFile: (v, s) => (s.nodeId = str('nodeId', v)),
    fromFlag: (v, s) => (s.nodeId = v as string),
  },
  duration('drainGrace', '--drain-grace <duration>', 'on SIGTERM, time for streams in flight after GoAway (default 10s)', '10s', (ms, s) => (s.drainGraceMs = ms)),
  duration('drainSpread', '--drain-spread <duration>', 'devices are told to reconnect at a random moment within this window (default 30s)', '30s', (ms, s) => (s.drainSpreadMs = ms)),
  {
    key: 'authFailureDelay',
    default: '1s',
    help: 'a failed device or token authentication is answered only after this delay, which slows guessing',
    fromFile: (v, s) => (s.authFailureDelayMs = parseDuration(String(v), 'authFailureDelay')),
  },
  duration('keepaliveInterval', '--keepalive-interval <duration>', 'ping every session this often (default 15s)', '15s', keepAlive('keepAliveInterval')),
  duration('keepaliveTimeout', '--keepalive-timeout <duration>', 'a ping unanswered this long closes the session (default 30s)', '30s', keepAlive('keepAliveTimeout')),
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
    if (!setting) throw new CodedError('ERR_CONFIG_UNKNOWN_KEY', `server config ${file} has unknown key "${key}"; known keys: ${START_SETTINGS.map((s) => s.key).join(', ')}`);
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
