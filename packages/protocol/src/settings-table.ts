import { Option } from 'commander';
import { parseDurationArg } from './cli-args.js';

/**
 * A row of a program's settings table: where a setting comes from (config file key, flag,
 * environment variable), its default and what it does. Each program keeps one such table and
 * builds its --help, its config reading and its docs table from it.
 */
export interface SettingRow {
  /** Key in the program's config file; absent for flag-only settings. */
  key?: string;
  /** The flag, e.g. `--drain-grace <duration>`; absent for file-only settings. */
  flag?: string;
  /** Environment variable(s), as people read them. */
  env?: string;
  /** The default as people read it. */
  default: string;
  /** What the setting does, as --help shows it. */
  help: string;
}

/** A setting that is also a flag: how its argument parses and what it is when not given. */
export interface OptionSetting extends SettingRow {
  /** Parses the flag's argument; the text as given when absent. */
  parse?(value: string, previous: unknown): unknown;
  /** The parsed default of the flag, when it has one (`default` is how people read it). */
  defaultValue?: unknown;
}

/** A flag that takes a duration such as 15s or 2m. */
export function durationSetting(flag: string, help: string, defaultValue: number, defaultText: string): OptionSetting {
  return { flag, help, default: defaultText, defaultValue, parse: parseDurationArg };
}

/** The commander options of a settings table's flag rows, in table order. */
export function settingOptions(rows: readonly OptionSetting[]): Option[] {
  return rows.flatMap((s) => {
    if (s.flag === undefined) return [];
    const option = new Option(s.flag, s.help);
    if (s.defaultValue !== undefined) option.default(s.defaultValue, s.default);
    return [s.parse ? option.argParser(s.parse) : option];
  });
}

/** The Markdown table of a settings table, as the docs hold it. */
export function settingsMarkdownTable(rows: readonly SettingRow[]): string {
  const cell = (text: string | undefined): string => (text ? text.replace(/\|/g, '\\|') : '');
  const code = (text: string | undefined): string => (text ? `\`${text}\`` : '');
  // The default has its own column; help texts that repeat it at the end leave it out here.
  const described = (help: string): string => help.replace(/ \(default:? [^;)]*\)$/, '');
  const lines = rows.map((s) => `| ${code(s.key)} | ${code(s.flag)} | ${code(s.env)} | ${cell(s.default)} | ${cell(described(s.help))} |`);
  return ['| file key | flag | environment | default | description |', '|---|---|---|---|---|', ...lines].join('\n');
}

/**
 * `text` with the lines between `<!-- NAME -->` and `<!-- /NAME -->` replaced by `content`;
 * throws when the markers are missing, so a renamed block cannot go unchecked.
 */
export function replaceGeneratedBlock(text: string, name: string, content: string): string {
  const open = `<!-- ${name} -->`;
  const close = `<!-- /${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`no ${open} ... ${close} block`);
  return `${text.slice(0, start + open.length)}\n${content}\n${text.slice(end)}`;
}
