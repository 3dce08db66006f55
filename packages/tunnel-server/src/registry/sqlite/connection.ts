import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { errorCode } from '@tunnel/protocol/errors';
import { RegistryError, RegistryErrorCode } from '../errors.js';
import { migrate, type Schema } from './migrations.js';

export type SqlValue = string | number | null;
/** Positional values, or one object for `@name` placeholders. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export interface ConnectionOptions {
  /** Create the directory and an empty database when missing. */
  create: boolean;
  busyTimeoutMs: number;
  now: () => number;
  schema: Schema;
  /**
   * FULL (the default) fsyncs every commit. NORMAL may lose the last commits on power loss:
   * only for data that rebuilds itself, such as presence, which devices re-report on reconnect.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

/**
 * One better-sqlite3 connection with the settings every process sharing the file must agree on,
 * and the one place that turns SQLite failures into registry codes with advice. The registry
 * and the embedded presence each open their own file through it.
 */
export class Connection {
  private closed = false;
  /** Commits of this connection other than the audit log's, which data_version does not count. */
  private ownWrites = 0;
  /**
   * synchronous = NORMAL left set by an audit write: set back before any other commit, not after
   * each audit write, so that a stream's two audit writes are not six statements.
   */
  private unsynced = false;
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly options: ConnectionOptions,
  ) {
    this.transaction = db.transaction((fn: () => unknown) => fn());
  }

  static open(path: string, options: ConnectionOptions): Connection {
    prepareFile(path, options.create, options.schema.name);
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { fileMustExist: true, timeout: options.busyTimeoutMs });
      // WAL lets the server keep reading while an admin command writes, and the reverse.
      db.pragma('journal_mode = WAL');
      // NORMAL would save an fsync per commit but may undo the last commits on power loss, and a
      // revoked token, removed device or disabled support grant must stay revoked.
      db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      // Per connection, off by default in SQLite: every process must turn it on itself.
      db.pragma('foreign_keys = ON');
      migrate(db, options.schema);
      return new Connection(db, path, options);
    } catch (err) {
      db?.close();
      throw translateSqliteError(err, path, options.busyTimeoutMs, options.schema.name);
    }
  }

  now(): number {
    return this.options.now();
  }

  /**
   * SQLite's data_version: changes when another connection (another process) commits to the
   * file, never for this connection's own commits. One cheap pragma, no table scan.
   */
  dataVersion(): number {
    // A prepared statement kept like the others: db.pragma() prepares one on every call, and an
    // open asks this once.
    return this.guard(() => (this.statement('PRAGMA data_version').get() as { data_version: number }).data_version);
  }

  /**
   * Changes whenever anything but the audit log may have changed, in this process or another
   * one sharing the file (an admin command): data_version and this connection's own commits.
   */
  changeMarker(): string {
    return `${this.dataVersion()}:${this.ownWrites}`;
  }

  get<R>(sql: string, params: SqlParams = []): R | undefined {
    return this.guard(() => this.statement(sql).get(params) as R | undefined);
  }

  all<R>(sql: string, params: SqlParams = []): R[] {
    return this.guard(() => this.statement(sql).all(params) as R[]);
  }

  /** Returns the number of rows changed and the rowid of the last insert. */
  run(sql: string, params: SqlParams = []): { changes: number; lastId: number } {
    this.ownWrites += 1;
    this.synced();
    return this.execute(sql, params);
  }

  private execute(sql: string, params: SqlParams): { changes: number; lastId: number } {
    return this.guard(() => {
      const result = this.statement(sql).run(params);
      return { changes: result.changes, lastId: Number(result.lastInsertRowid) };
    });
  }

  /**
   * run() that commits without waiting for the disk (synchronous = NORMAL for this statement):
   * the commit is in the WAL in the OS's cache, safe from a crash of this process but not from
   * a power loss until sync(). Only for writes that may lag the disk by a moment, the audit log.
   */
  runUnsynced(sql: string, params: SqlParams = []): { changes: number; lastId: number } {
    if (!this.unsynced && (this.options.synchronous ?? 'FULL') !== 'NORMAL') {
      this.guard(() => this.statement('PRAGMA synchronous = NORMAL').run());
      this.unsynced = true;
    }
    // Not counted as an own write: the audit log decides nobody's access.
    return this.execute(sql, params);
  }

  /** Every commit but an audit write waits for the disk again (see runUnsynced). */
  private synced(): void {
    if (!this.unsynced) return;
    this.guard(() => this.statement(`PRAGMA synchronous = ${this.options.synchronous ?? 'FULL'}`).run());
    this.unsynced = false;
  }

  /**
   * Makes every commit so far durable: a passive checkpoint fsyncs the WAL and copies it into the
   * file. Returns false when a reader in another process kept some frames from being copied
   * (they stay in the WAL; call again later).
   */
  sync(): boolean {
    return this.guard(() => {
      const [result] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      return result === undefined || result.checkpointed >= result.log;
    });
  }

  /**
   * Runs `fn` holding the write lock from the start. A deferred transaction that reads first
   * and writes later gets SQLITE_BUSY at once, without waiting, when another process wrote in
   * between; taking the lock up front makes the busy timeout apply and makes check-then-insert
   * race-free across processes.
   */
  write<T>(fn: () => T): T {
    this.ownWrites += 1;
    this.synced();
    return this.guard(() => this.transaction.immediate(fn) as T);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }

  private statement(sql: string): Database.Statement<unknown[]> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private guard<T>(fn: () => T): T {
    if (this.closed) throw new RegistryError(RegistryErrorCode.Closed, `the ${this.options.schema.name} at ${this.path} is closed`);
    try {
      return fn();
    } catch (err) {
      throw translateSqliteError(err, this.path, this.options.busyTimeoutMs, this.options.schema.name);
    }
  }
}

function prepareFile(path: string, create: boolean, what: string): void {
  const dir = dirname(path);
  if (!existsSync(path)) {
    if (!create) {
      throw new RegistryError(
        RegistryErrorCode.Missing,
        `no ${what} at ${path}: pass the server's data directory with --data or TUNNEL_DATA, or create one with tunnel-server init --data ${dir}`,
      );
    }
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      // Created here rather than by SQLite so that it is private to this user; SQLite gives the
      // -wal and -shm files the same mode.
      closeSync(openSync(path, 'a', 0o600));
    } catch (err) {
      throw unwritable(path, what, `cannot create it (${errorCode(err) ?? String(err)})`, err);
    }
  }
  // SQLite needs to create registry.db-wal and -shm next to the file even to read it.
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
    accessSync(path, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw unwritable(path, what, `no write access (${errorCode(err) ?? String(err)})`, err);
  }
}

function unwritable(path: string, what: string, why: string, cause?: unknown): RegistryError {
  const file = basename(path);
  return new RegistryError(
    RegistryErrorCode.Unwritable,
    `cannot write the ${what} at ${path}: ${why}. Make sure its directory exists and that the user running ` +
      `tunnel-server may write to the directory and to ${file}, ${file}-wal and ${file}-shm in it, ` +
      'that the disk is not full or mounted read-only, or pass another --data directory',
    { cause },
  );
}

/** Maps SQLite's result codes onto registry codes; anything else passes through unchanged. `what` names the file's contents. */
export function translateSqliteError(err: unknown, path: string, busyTimeoutMs: number, what = 'registry'): unknown {
  const code = errorCode(err);
  if (err instanceof RegistryError || code === undefined || !code.startsWith('SQLITE_')) return err;
  const detail = `${code}: ${err instanceof Error ? err.message : String(err)}`;
  if (code === 'SQLITE_FULL') return unwritable(path, what, `the disk is full (${detail}); free some space and retry`, err);
  if (/^SQLITE_(READONLY|CANTOPEN|IOERR|PERM)/.test(code)) return unwritable(path, what, detail, err);
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return new RegistryError(
      RegistryErrorCode.Busy,
      `the ${what} at ${path} stayed locked by another process for more than ${busyTimeoutMs} ms (${detail}); retry, ` +
        'and look for a tunnel-server command or sqlite3 shell that holds a transaction open',
      { cause: err },
    );
  }
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    return new RegistryError(
      RegistryErrorCode.Corrupt,
      `${path} is not a ${what} database or is damaged (${detail}); restore it from a backup, or move it aside to start with an empty ${what}`,
      { cause: err },
    );
  }
  return err;
}
