import pg from 'pg';
import { errorCode } from '@tunnel/protocol/errors';
import { maskPassword } from '../../mask-password.js';
import { RegistryError, RegistryErrorCode } from '../errors.js';

export type PgValue = string | number | null | readonly number[];
/** Positional values for $1, $2..., or one object for `@name` placeholders (as in the SQLite backend). */
export type PgParams = readonly PgValue[] | Readonly<Record<string, PgValue>>;

/** Rewrites `@name` placeholders to $n, so SQL fragments can be shared with the SQLite backend. */
export function positional(sql: string, params: PgParams): [string, PgValue[]] {
  if (Array.isArray(params)) return [sql, [...(params as readonly PgValue[])]];
  const named = params as Readonly<Record<string, PgValue>>;
  const order: string[] = [];
  const text = sql.replace(/@([a-z_]+)/g, (_, name: string) => {
    if (!(name in named)) throw new Error(`no value for @${name}`);
    let i = order.indexOf(name);
    if (i < 0) i = order.push(name) - 1;
    return `$${i + 1}`;
  });
  return [text, order.map((name) => named[name] as PgValue)];
}

/**
 * Times and ids are BIGINT; pg hands those over as strings so as not to lose precision past
 * 2^53. Milliseconds since the epoch and row ids stay far below that, so they come back as numbers,
 * as the SQLite backend gives them.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** Anything that runs queries: the pool, or one client inside a transaction. */
export interface Queryable {
  rows<R>(sql: string, params?: PgParams): Promise<R[]>;
  /** Rows changed by an UPDATE or DELETE. */
  run(sql: string, params?: PgParams): Promise<number>;
  now(): number;
}

export interface PgConnectionOptions {
  url: string;
  /** Tables live in this schema (created when missing); `public` when absent. */
  schema?: string;
  now: () => number;
}

/**
 * A pg pool with the settings every node agrees on, and the one place that turns PostgreSQL
 * failures into registry codes. The URL is shown with its password masked.
 */
export class PgConnection implements Queryable {
  private closed = false;
  readonly where: string;

  private constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    private readonly clock: () => number,
    url: string,
  ) {
    this.where = maskPassword(url);
  }

  static async open(options: PgConnectionOptions): Promise<PgConnection> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new RegistryError(RegistryErrorCode.InvalidValue, `schema ${JSON.stringify(schema)} must be a lowercase SQL identifier`);
    }
    const pool = new pg.Pool({
      connectionString: options.url,
      types,
      // Short enough that an unreachable database is reported instead of hanging a command.
      connectionTimeoutMillis: 5_000,
      // search_path per connection, so the same SQL runs in any schema (tests use a fresh one).
      options: `-c search_path=${schema}`,
      max: 10,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    return new PgConnection(pool, schema, options.now, options.url);
  }

  now(): number {
    return this.clock();
  }

  async rows<R>(sql: string, params: PgParams = []): Promise<R[]> {
    return (await this.query(sql, params)).rows as R[];
  }

  async run(sql: string, params: PgParams = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  /**
   * Runs `fn` in one transaction on one client; any throw rolls it back. `lockKey` takes a
   * transaction-scoped advisory lock first, so check-then-write sequences of every node on the
   * same key run one at a time (the SQLite backend gets the same from BEGIN IMMEDIATE).
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>, lockKey?: string): Promise<T> {
    this.checkOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.translate(err);
    }
    const query = async (sql: string, params: PgParams = []) => {
      try {
        return await client.query(...positional(sql, params));
      } catch (err) {
        throw this.translate(err);
      }
    };
    const tx: Queryable = {
      rows: async <R>(sql: string, params?: PgParams) => (await query(sql, params)).rows as R[],
      run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
      now: () => this.clock(),
    };
    try {
      await query('BEGIN');
      if (lockKey !== undefined) await query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tunnel-registry:${lockKey}`]);
      const result = await fn(tx);
      await query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private checkOpen(): void {
    if (this.closed) throw new RegistryError(RegistryErrorCode.Closed, `the registry at ${this.where} is closed`);
  }

  private async query(sql: string, params: PgParams): Promise<pg.QueryResult> {
    this.checkOpen();
    try {
      return await this.pool.query(...positional(sql, params));
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): unknown {
    return translatePgError(err, this.where);
  }
}


/** Connection failures and login refusals become ERR_REGISTRY_UNREACHABLE; anything else passes. */
export function translatePgError(err: unknown, where: string): unknown {
  if (err instanceof RegistryError) return err;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  // Node socket errors, pg's own timeout, and PostgreSQL classes 08 (connection), 28 (auth),
  // 3D (no such database), 57P (shutting down).
  const network = code !== undefined && /^(E[A-Z]+|08...|28...|3D000|57P0[1-3])$/.test(code);
  if (network || /timeout|Connection terminated/i.test(message)) {
    return new RegistryError(
      RegistryErrorCode.Unreachable,
      `the registry at ${where} did not answer (${code ?? ''}${code ? ': ' : ''}${message}): check that PostgreSQL runs and ` +
        'accepts this login, and the --registry URL (flag, config key "registry" or TUNNEL_REGISTRY)',
      { cause: err },
    );
  }
  return err;
}
