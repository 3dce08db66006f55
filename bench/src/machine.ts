import os from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly os: string;
  readonly arch: string;
  readonly node: string;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    os: os.type(),
    arch: os.arch(),
    node: process.version,
  };
}

export function formatMachine(m: MachineInfo): string {
  const gib = (m.memoryBytes / 1024 ** 3).toFixed(1);
  return `machine: ${m.cpuModel}, ${m.cores} cores, ${gib} GiB RAM, ${m.os} ${m.kernel} ${m.arch}, node ${m.node}`;
}
