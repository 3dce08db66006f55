import { durationSetting, type OptionSetting } from '@tunnel/protocol/cli';
import { CONFIG_FILE_SETTING, PROXY_SETTING } from './agent-settings.js';

/**
 * The settings tables of the device's one-shot tools, `heartbeat` and `diagnose`: their --help
 * and their docs tables (docs/configuration.md) come from these, as the agent's come from its own.
 */

export const HEARTBEAT_SETTINGS: readonly OptionSetting[] = [
  CONFIG_FILE_SETTING,
  durationSetting('--heartbeat-interval <duration>', 'when the next heartbeat will come; the device counts as fresh for 1.5 x this', 60_000, '60s'),
  durationSetting('--timeout <duration>', 'give up after this long', 15_000, '15s'),
  PROXY_SETTING,
];

export const HEARTBEAT_SETTINGS_BLOCK = 'tunnel-client-heartbeat-settings';

export const DIAGNOSE_SETTINGS: readonly OptionSetting[] = [
  CONFIG_FILE_SETTING,
  { flag: '--json', default: 'lines', help: 'print a JSON array of checks {name, status, detail, remedy, code, durationMs} instead of lines' },
  PROXY_SETTING,
  durationSetting('--timeout <duration>', 'time each network check may take', 10_000, '10s'),
];

export const DIAGNOSE_SETTINGS_BLOCK = 'tunnel-client-diagnose-settings';
