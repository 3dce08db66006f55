import { execFile } from 'node:child_process';
import { chownSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './network.js';
import { tempDir } from './processes.js';

const exec = promisify(execFile);

/** Debian keeps one directory per major version; any will do. */
function postgresBin(program: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  const latest = versions[versions.length - 1];
  if (latest === undefined) throw new Error('no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql, see .ci/run)');
  return path.join('/usr/lib/postgresql', latest, 'bin', program);
}

/** PostgreSQL refuses to run as root: run its programs as the postgres user then. */
function asPostgres(program: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = postgresBin(program);
  return process.getuid?.() === 0 ? exec('runuser', ['-u', 'postgres', '--', bin, ...args]) : exec(bin, args);
}

/**
 * A PostgreSQL instance of one test, in its own directory on a free port, so the test can stop
 * it without touching the machine's shared server (other tests use that one).
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  /** Trust authentication on loopback, user postgres, database postgres. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = tempDir('tunnel-pg-');
    if (process.getuid?.() === 0) {
      const { uid, gid } = await exec('id', ['-u', 'postgres']).then(async (u) => ({ uid: Number(u.stdout), gid: Number((await exec('id', ['-g', 'postgres'])).stdout) }));
      chownSync(dir, uid, gid);
    }
    await asPostgres('initdb', ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
    const db = new PrivatePostgres(dir, await freePort());
    await db.begin();
    return db;
  }

  /** Starts (or starts again) the server; resolves once it accepts connections. */
  async begin(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`;
    await asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-o', options, '-l', path.join(this.dir, 'log'), '-w', 'start']);
  }

  /** Stops the server; `immediate` is a crash for its clients (no goodbye on their connections). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres('pg_ctl', ['-D', path.join(this.dir, 'data'), '-m', mode, '-w', 'stop']).catch(() => undefined);
  }
}
