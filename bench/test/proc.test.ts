import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { spawnTracked, stopProcess } from '../src/proc/children.js';
import {
  clockTicksPerSecond,
  parseMachineBusyTicks,
  parseStatTicks,
  parseStatus,
  readCpuSeconds,
  readMemory,
} from '../src/proc/proc-stats.js';
import { sampleProcesses } from '../src/proc/sampler.js';
import { descendantPids, isAlive, parentPid } from '../src/proc/tree.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('proc readers', () => {
  it('parses utime+stime even when the command name has spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[14 - 3] = '700';
    fields[15 - 3] = '42';
    assert.equal(parseStatTicks(`1234 (we ird) name) ${fields.join(' ')}`), 742);
  });

  it('parses VmRSS, VmHWM and Threads', () => {
    const text = 'Name:\tnode\nVmHWM:\t  51200 kB\nVmRSS:\t  40960 kB\nThreads:\t7\n';
    assert.deepEqual(parseStatus(text), { rssKiB: 40960, hwmKiB: 51200, threads: 7 });
  });

  it('parses the machine-wide busy ticks', () => {
    assert.equal(parseMachineBusyTicks('cpu  100 5 20 9999 7 3 4 2 0 0\ncpu0 ...'), 127);
  });

  it('reads this process: some RSS, CPU time that grows with work', () => {
    assert.ok(clockTicksPerSecond() > 0);
    const memory = readMemory(process.pid);
    assert.ok(memory.rssKiB > 10_000, `rss ${memory.rssKiB} KiB`);
    const before = readCpuSeconds(process.pid);
    const until = Date.now() + 300;
    while (Date.now() < until) Math.sqrt(Math.random());
    assert.ok(readCpuSeconds(process.pid) - before >= 0.1);
  });

  it('samples a busy process near one core and an idle one near zero', async () => {
    const busy = spawnTracked(process.execPath, ['-e', 'const t = Date.now() + 5000; while (Date.now() < t) {}'], { label: 'busy', stdio: 'ignore' });
    const idle = spawnTracked(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { label: 'idle', stdio: 'ignore' });
    try {
      await sleep(200);
      const [b, i] = await Promise.all([
        sampleProcesses([busy.pid!], { intervalMs: 100, durationMs: 1000 }),
        sampleProcesses([idle.pid!], { intervalMs: 100, durationMs: 1000 }),
      ]);
      // Loose bounds: the machine may be shared with other work.
      assert.ok(b.cpuCores > 0.3, `busy used ${b.cpuCores} cores`);
      assert.ok(i.cpuCores < 0.1, `idle used ${i.cpuCores} cores`);
      assert.ok(i.rssKiB.max > 10_000);
      assert.ok(b.samples.length >= 5);
    } finally {
      await Promise.all([stopProcess(busy), stopProcess(idle)]);
    }
  });

  it('refuses to sample a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => child.once('exit', r));
    await assert.rejects(sampleProcesses([child.pid!], { intervalMs: 10, durationMs: 50 }));
  });
});

describe('child processes', () => {
  it('finds and stops descendants along with the parent', async () => {
    const parent = spawnTracked('sh', ['-c', 'sleep 60 & sleep 60 & wait'], { label: 'sh', stdio: 'ignore', withDescendants: true });
    await sleep(200);
    const kids = descendantPids(parent.pid!);
    assert.equal(kids.length, 2);
    for (const k of kids) assert.equal(parentPid(k), parent.pid);
    await stopProcess(parent);
    assert.ok(!isAlive(parent.pid!));
    for (const k of kids) assert.ok(!isAlive(k), `descendant ${k} still alive`);
  });
});
