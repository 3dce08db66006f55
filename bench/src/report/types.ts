import type { MachineInfo } from '../machine.js';
import type { Sizes } from '../sizes.js';

/** CPU seconds spent while one scenario ran, by who spent them. */
export interface CpuSpent {
  readonly generator: number;
  readonly targets: number;
  /** The path's own processes (ssh, sshd; CLI, server, agent): what the path costs. */
  readonly path: number;
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
}

export interface PathOutcome {
  readonly name: string;
  readonly description: string;
  readonly status: 'ran' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly notes: readonly string[];
}

export interface BenchReport {
  readonly date: string;
  readonly machine: MachineInfo;
  readonly quick: boolean;
  readonly sizes: Sizes;
  readonly targets: string;
  readonly paths: readonly PathOutcome[];
  readonly runs: readonly ScenarioRun[];
}
