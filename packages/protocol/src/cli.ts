export { collect, parseCountArg, parseDurationArg, parsePortArg } from './cli-args.js';
export { runCli } from './cli-exit.js';
export { exitQuietlyWhenStdoutCloses } from './closed-pipe.js';
export { registerCompletionCommand } from './completion.js';
export { formatDuration, parseDuration } from './durations.js';
export { durationSetting, replaceGeneratedBlock, settingOptions, settingsMarkdownTable, type OptionSetting, type SettingRow } from './settings-table.js';
