import { expect } from 'chai';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CastRecorder, recordingFile } from '../../src/web-terminal/cast-recorder.js';

const meta = { auditId: 7, user: 'operator', deviceUuid: 'ab'.repeat(16), deviceName: 'pi-1' };

function readCast(file: string): { header: Record<string, unknown>; events: [number, string, string][] } {
  const [header, ...events] = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
  return { header: header as Record<string, unknown>, events: events as [number, string, string][] };
}

describe('terminal recordings (asciinema v2 casts)', () => {
  it('writes a header, output and resize events with rising times, and why the session ended', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'cast-'));
    const file = recordingFile(dataDir, 7);
    expect(file).to.equal(path.join(dataDir, 'recordings', '7.cast'));
    const rec = new CastRecorder(file, { width: 80, height: 24, title: 'operator on pi-1', tunnel: meta }, 1024 * 1024);
    rec.output('$ echo $((6*7))\r\n42\r\n');
    rec.resize(100, 30);
    rec.output('ünïcödé ✓');
    await rec.close('access ended: the grant expired');

    const { header, events } = readCast(file);
    expect(header).to.include({ version: 2, width: 80, height: 24, title: 'operator on pi-1' });
    expect(header['tunnel']).to.deep.equal(meta);
    expect(header['timestamp']).to.be.a('number');
    expect(events.map(([, kind, data]) => [kind, data])).to.deep.equal([
      ['o', '$ echo $((6*7))\r\n42\r\n'],
      ['r', '100x30'],
      ['o', 'ünïcödé ✓'],
      ['o', '\r\n[access ended: the grant expired]\r\n'],
    ]);
    const times = events.map(([t]) => t);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(statSync(file).mode & 0o777, 'only the server may read what was typed').to.equal(0o600);
  });

  it('stops growing at its size limit and says so in the recording', async () => {
    const file = recordingFile(mkdtempSync(path.join(tmpdir(), 'cast-')), 8);
    const limit = 4096;
    const rec = new CastRecorder(file, { width: 80, height: 24, title: 't', tunnel: { ...meta, auditId: 8 } }, limit);
    for (let i = 0; i < 1000; i++) rec.output(`line ${i} ${'x'.repeat(50)}\r\n`);
    await rec.close('the shell exited');

    expect(statSync(file).size).to.be.at.most(limit);
    const { events } = readCast(file);
    expect(events.length).to.be.greaterThan(10);
    expect(events.at(-1)![2]).to.contain(`recording stopped at its size limit of ${limit} bytes`);
    expect(events.filter(([, , data]) => data.includes('the shell exited')), 'nothing after the limit').to.have.length(0);
  });
});
