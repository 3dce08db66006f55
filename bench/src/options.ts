import { DEFAULT_CLUSTER_DEVICES, DEFAULT_DEVICES } from './sizes.js';
import { parseArgs } from 'node:util';

export interface RunOptions {
  readonly json: boolean;
  readonly quick: boolean;
  /** Simulated devices for scenarios 5 and 6. */
  readonly devices: number;
  /** Simulated devices for scenario 8 (the cluster). */
  readonly clusterDevices: number;
  readonly scenarios: readonly number[];
  readonly paths: readonly string[];
  /** The multiplexer-alone baseline: part of a whole run, left out when scenarios or paths are picked. */
  readonly multiplexer: boolean;
}

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--scenario N]... [--path NAME]...
  --quick          short run (under a minute for the baselines)
  --json           JSON on stdout instead of the table
  --scenario N     run scenario N only (1-8; repeat or comma-separate for several)
  --devices N      simulated devices for scenarios 5 and 6 (default 5000)
  --cluster-devices N  simulated devices for scenario 8, over three nodes (default 10000)
  --path NAME      run path NAME only (repeat or comma-separate for several)
A run with neither --scenario nor --path also measures the multiplexer alone (npm run bench:mux).
Progress goes to stderr, results to stdout.`;

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function count(flag: string, value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got ${value}`);
  return n;
}

/** Throws with a message meant for the user on anything it does not understand. */
export function parseOptions(argv: readonly string[], scenarioIds: readonly number[], pathNames: readonly string[]): RunOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      scenario: { type: 'string', multiple: true },
      path: { type: 'string', multiple: true },
      devices: { type: 'string' },
      'cluster-devices': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) return 'help';
  const scenarios = list(values.scenario).map(Number);
  for (const s of scenarios) {
    if (!scenarioIds.includes(s)) throw new Error(`unknown scenario ${s} (have ${scenarioIds.join(', ')})`);
  }
  const paths = list(values.path);
  for (const p of paths) {
    if (!pathNames.includes(p)) throw new Error(`unknown path ${p} (have ${pathNames.join(', ')})`);
  }
  const devices = count('--devices', values.devices, DEFAULT_DEVICES);
  const clusterDevices = count('--cluster-devices', values['cluster-devices'], DEFAULT_CLUSTER_DEVICES);
  return {
    json: values.json === true,
    quick: values.quick === true,
    devices,
    clusterDevices,
    scenarios: scenarios.length > 0 ? scenarioIds.filter((id) => scenarios.includes(id)) : scenarioIds,
    paths: paths.length > 0 ? pathNames.filter((n) => paths.includes(n)) : pathNames,
    multiplexer: scenarios.length === 0 && paths.length === 0,
  };
}
