import { duplicateName, notFound } from '../errors.js';
import { toUserRecord, USER_COLUMNS, type UserRow } from '../rows.js';
import { hashApiToken, looksLikeApiToken, newApiToken } from '../tokens.js';
import type { IssuedToken, Role, UserRecord, UserRegistry } from '../types.js';
import { checkName, checkRole } from '../validate.js';
import type { PgConnection, Queryable } from './connection.js';
import { expectChanged, userId } from './lookup.js';

export class PgUsers implements UserRegistry {
  constructor(private readonly db: PgConnection) {}

  async create(name: string, role: Role): Promise<IssuedToken> {
    checkName('user', name);
    checkRole(role);
    return this.db.transaction(async (tx) => {
      if ((await row(tx, name)) !== undefined) throw duplicateName('user', name);
      const [created] = await tx.rows<{ id: number }>('INSERT INTO users (name, role, created_at) VALUES ($1, $2, $3) RETURNING id', [name, role, tx.now()]);
      return { user: await requireUser(tx, name), token: await issueToken(tx, created?.id ?? 0) };
    }, 'users');
  }

  async get(name: string): Promise<UserRecord | null> {
    const found = await row(this.db, name);
    return found === undefined ? null : toUserRecord(found);
  }

  async list(): Promise<UserRecord[]> {
    return (await this.db.rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.name COLLATE "C"`)).map(toUserRecord);
  }

  async setRole(name: string, role: Role): Promise<UserRecord> {
    checkRole(role);
    expectChanged(await this.db.run('UPDATE users SET role = $1 WHERE name = $2', [role, name]), 'user', name);
    return requireUser(this.db, name);
  }

  async rotateToken(name: string): Promise<IssuedToken> {
    return this.db.transaction(async (tx) => {
      const id = await userId(tx, name);
      await tx.run('DELETE FROM api_tokens WHERE user_id = $1', [id]);
      return { user: await requireUser(tx, name), token: await issueToken(tx, id) };
    });
  }

  async remove(name: string): Promise<void> {
    expectChanged(await this.db.run('DELETE FROM users WHERE name = $1', [name]), 'user', name);
  }

  async authenticate(token: string): Promise<UserRecord | null> {
    if (!looksLikeApiToken(token)) return null;
    // Looked up by hash, so the comparison never touches the secret and leaks no timing about it.
    const [found] = await this.db.rows<UserRow>(
      `SELECT ${USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`,
      [hashApiToken(token)],
    );
    return found === undefined ? null : toUserRecord(found);
  }
}

/** Stores only the hash; the token itself exists in memory until the caller has shown it. */
async function issueToken(db: Queryable, user: number): Promise<string> {
  const token = newApiToken();
  await db.run('INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)', [hashApiToken(token), user, db.now()]);
  return token;
}

async function row(db: Queryable, name: string): Promise<UserRow | undefined> {
  return (await db.rows<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = $1`, [name]))[0];
}

async function requireUser(db: Queryable, name: string): Promise<UserRecord> {
  const found = await row(db, name);
  if (found === undefined) throw notFound('user', name);
  return toUserRecord(found);
}
