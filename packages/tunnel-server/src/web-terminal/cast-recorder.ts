import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';

/** Who and what a recording is about; kept in the cast's header so a recording explains itself. */
export interface RecordingMeta {
  auditId: number;
  user: string;
  deviceUuid: string;
  deviceName: string;
}

/** The asciinema v2 header, with our facts under "tunnel" (players ignore unknown keys). */
export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  timestamp: number;
  title: string;
  env: { TERM: string };
  tunnel: RecordingMeta;
}

/** Recordings sit in the data directory beside the registry (and its audit log), named by audit id. */
export function recordingsDir(dataDir: string): string {
  return path.join(dataDir, 'recordings');
}

export function recordingFile(dataDir: string, auditId: number): string {
  return path.join(recordingsDir(dataDir), `${auditId}.cast`);
}

/**
 * Writes one terminal session as an asciinema v2 cast: a JSON header line, then one
 * `[seconds, "o"|"r", data]` line per output chunk or resize. At maxBytes the file gets a last
 * line saying it was cut there and nothing more, so a session left running for days (or a
 * `cat /dev/urandom`) cannot fill the server's disk.
 */
export class CastRecorder {
  private readonly out: WriteStream;
  private readonly started = Date.now();
  private bytes = 0;
  private full = false;

  constructor(
    readonly file: string,
    header: Omit<CastHeader, 'version' | 'timestamp' | 'env'>,
    private readonly maxBytes: number,
  ) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.out = createWriteStream(file, { mode: 0o600 });
    this.out.on('error', () => (this.full = true));
    const full: CastHeader = { version: 2, timestamp: Math.floor(this.started / 1000), env: { TERM: 'xterm-256color' }, ...header };
    this.append(JSON.stringify(full));
  }

  output(data: string): void {
    this.event('o', data);
  }

  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`);
  }

  /** Ends the cast with a last line saying why the session ended, when it did not end normally. */
  close(reason?: string): Promise<void> {
    if (reason !== undefined) this.event('o', `\r\n[${reason}]\r\n`, true);
    return new Promise((resolve) => this.out.end(resolve));
  }

  private event(kind: 'o' | 'r', data: string, last = false): void {
    if (this.full) return;
    const line = JSON.stringify([Number(((Date.now() - this.started) / 1000).toFixed(6)), kind, data]);
    // Room is kept for the line that says the recording stopped.
    if (!last && this.bytes + Buffer.byteLength(line) + 1 > this.maxBytes - 200) {
      this.event('o', `\r\n[recording stopped at its size limit of ${this.maxBytes} bytes; the session went on]\r\n`, true);
      this.full = true;
      return;
    }
    this.append(line);
  }

  private append(line: string): void {
    this.bytes += Buffer.byteLength(line) + 1;
    this.out.write(`${line}\n`);
  }
}
