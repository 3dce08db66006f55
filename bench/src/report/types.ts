import type { MachineInfo } from '../machine.js';
import type { Sizes } from '../sizes.js';
import type { Metric } from '../scenarios.js';
import type { GoalResult } from './goals.js';
import type { Ratio } from './ratios.js';

/** CPU seconds spent while one scenario ran, by who spent them. */
export interface CpuSpent {
  /** Wall-clock seconds the scenario took, warm-up included. */
  readonly wall: number;
  readonly generator: number;
  readonly targets: number;
  /** The path's own processes (ssh, sshd; CLI, server, agent): what the path costs. */
  readonly path: number;
  /** Of `path`, the process(es) in the middle: tunnel-server, or sshd with its session children. */
  readonly relay: number;
  /** Everything else busy on the machine meanwhile: other users' work skews the figures. */
  readonly others: number;
}

export type RunStatus = 'ok' | 'error' | 'skipped';

export interface ScenarioRun {
  readonly scenario: number;
  readonly path: string;
  readonly status: RunStatus;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly details?: Readonly<Record<string, number>>;
  readonly cpuSeconds?: CpuSpent;
  readonly reason?: string;
  readonly notes?: readonly string[];
}

export interface PathOutcome {
  readonly name: string;
  readonly description: string;
  readonly status: 'ran' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly notes: readonly string[];
}

/** What a scenario's figures mean, so the JSON reads without the source at hand. */
export interface ScenarioInfo {
  readonly id: number;
  readonly name: string;
  readonly metrics: readonly Metric[];
}

export interface BenchReport {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly quick: boolean;
  readonly sizes: Sizes;
  readonly scenarios: readonly ScenarioInfo[];
  readonly targets: string;
  readonly paths: readonly PathOutcome[];
  readonly runs: readonly ScenarioRun[];
  readonly ratios: readonly Ratio[];
  /** Issue 7's absolute targets (scenarios 5-7), judged. */
  readonly goals: readonly GoalResult[];
  /** Simulated devices of scenarios 5 and 6. */
  readonly devices: number;
  /** os.loadavg() before and after the run: 1, 5 and 15 minute averages. */
  readonly load: { readonly before: readonly number[]; readonly after: readonly number[] };
  readonly warnings: readonly string[];
}
