import { parseDuration } from '@tunnel/protocol/cli';
import { InvalidArgumentError, type Command } from 'commander';
import { resolveDevice } from '../devices/resolve-device.js';
import { auditView, auditWhat } from '../views/audit-view.js';
import { printListing } from '../views/listing.js';
import { stateCommand, type StateFlags } from './options.js';
import { withRegistry } from './with-registry.js';
import { recordingFile } from '../web-terminal/cast-recorder.js';
import { hasRecording } from '../web-terminal/recordings.js';

/** --since: an ISO time, or a duration back from now ("2h"). */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(text.trim())) return now - parseDuration(text, '--since');
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new InvalidArgumentError(`"${text}" is neither a time (2026-11-22T10:00:00Z) nor a duration back from now (2h, 7d)`);
  return t;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 10_000) throw new InvalidArgumentError(`"${text}" must be a number from 1 to 10000`);
  return n;
}

export function registerAuditCommand(program: Command): void {
  stateCommand(program, 'audit', 'Show who opened (or was refused) which stream to which device and port, from where and which way in, when, bytes each way, the result, and the recording of a browser terminal session (an asciinema v2 cast: asciinema play FILE); and who added or removed devices and users, made tokens and granted or revoked support access.')
    .option('--device <device>', 'only this device (uuid, 7+ character prefix or name)')
    .option('--user <name>', 'only this user')
    .option('--since <time>', 'only streams started since then: a time, or a duration back from now (2h)', (v) => parseSince(v))
    .option('--limit <n>', 'at most this many, newest first (default 100)', parseLimit)
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: StateFlags & { device?: string; user?: string; since?: number; limit?: number; json?: boolean }) => {
      const rows = await withRegistry(flags, async (registry) => {
        const deviceUuid = flags.device === undefined ? undefined : (await resolveDevice(registry, flags.device)).uuid;
        const records = await registry.audit.query({
          ...(deviceUuid ? { deviceUuid } : {}),
          ...(flags.user ? { user: flags.user } : {}),
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        });
        // A browser terminal session's recording sits beside the registry, named by the entry's id.
        return records.map((a) => ({ ...auditView(a), recording: hasRecording(flags.data, a.id) ? recordingFile(flags.data, a.id) : null }));
      });
      printListing(rows, flags.json, [
        ['STARTED', (a) => a.startedAt],
        ['USER', (a) => a.user],
        ['DEVICE', (a) => a.device.slice(0, 7) || '-'],
        ['TARGET', (a) => auditWhat(a)],
        ['RESULT', (a) => a.result ?? 'open'],
        ['UP', (a) => String(a.bytesUp)],
        ['DOWN', (a) => String(a.bytesDown)],
        ['DURATION', (a) => (a.durationMs === null ? '-' : `${a.durationMs} ms`)],
        ['VIA', (a) => (a.kind === 'admin' ? 'admin' : (a.via ?? '-'))],
        ['FROM', (a) => a.source ?? '-'],
        ['RECORDING', (a) => a.recording ?? '-'],
      ]);
    });
}
