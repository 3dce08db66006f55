import { createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { sendError } from '../http/router.js';
import type { UserRecord } from '../registry/types.js';
import { recordingFile, type CastHeader } from './cast-recorder.js';
import { TerminalErrorCode } from './errors.js';

/** Whether the audit entry has a terminal recording. */
export function hasRecording(dataDir: string, auditId: number): boolean {
  return existsSync(recordingFile(dataDir, auditId));
}

async function readHeader(file: string): Promise<CastHeader | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const line = buf.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? '';
    return JSON.parse(line) as CastHeader;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Sends recording `auditId` as an asciinema v2 cast. A recording shows everything typed and
 * printed in a shell: only admins and the user who made it may play it; anyone else hears
 * "not found", as for a recording that does not exist, so ids cannot be probed.
 */
export async function sendRecording(dataDir: string, auditId: number, user: UserRecord, res: ServerResponse): Promise<void> {
  const file = recordingFile(dataDir, auditId);
  const header = await readHeader(file);
  if (header === null || (user.role !== 'admin' && header.tunnel.user !== user.name)) {
    sendError(res, 404, TerminalErrorCode.RecordingNotFound, `no recording of audit entry ${auditId} that ${user.name} may play (recordings are for admins and the user who made them)`);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/x-asciicast; charset=utf-8', 'cache-control': 'no-store' });
  createReadStream(file).pipe(res);
}
