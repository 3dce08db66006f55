import { duplicateName, notFound } from '../errors.js';
import { hashApiToken, looksLikeApiToken, newApiToken } from '../tokens.js';
import type { IssuedToken, Role, UserRecord, UserRegistry } from '../types.js';
import { checkName, checkRole } from '../validate.js';
import type { Connection } from './connection.js';
import { expectChanged, userId } from './lookup.js';
import { toUserRecord, USER_COLUMNS, type UserRow } from '../rows.js';

export class SqliteUsers implements UserRegistry {
  constructor(private readonly db: Connection) {}

  async create(name: string, role: Role): Promise<IssuedToken> {
    checkName('user', name);
    checkRole(role);
    return this.db.write(() => {
      if (this.row(name) !== undefined) throw duplicateName('user', name);
      const { lastId } = this.db.run('INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)', [name, role, this.db.now()]);
      return { user: this.require(name), token: this.issueToken(lastId) };
    });
  }

  async get(name: string): Promise<UserRecord | null> {
    const row = this.row(name);
    return row === undefined ? null : toUserRecord(row);
  }

  async list(): Promise<UserRecord[]> {
    return this.db.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.name`).map(toUserRecord);
  }

  async setRole(name: string, role: Role): Promise<UserRecord> {
    checkRole(role);
    return this.db.write(() => {
      expectChanged(this.db.run('UPDATE users SET role = ? WHERE name = ?', [role, name]), 'user', name);
      return this.require(name);
    });
  }

  async rotateToken(name: string): Promise<IssuedToken> {
    return this.db.write(() => {
      const id = userId(this.db, name);
      this.db.run('DELETE FROM api_tokens WHERE user_id = ?', [id]);
      return { user: this.require(name), token: this.issueToken(id) };
    });
  }

  async remove(name: string): Promise<void> {
    expectChanged(this.db.run('DELETE FROM users WHERE name = ?', [name]), 'user', name);
  }

  async authenticate(token: string): Promise<UserRecord | null> {
    if (!looksLikeApiToken(token)) return null;
    // Looked up by hash, so the comparison never touches the secret and leaks no timing about it.
    const row = this.db.get<UserRow>(
      `SELECT ${USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?`,
      [hashApiToken(token)],
    );
    return row === undefined ? null : toUserRecord(row);
  }

  /** Stores only the hash; the token itself exists in memory until the caller has shown it. */
  private issueToken(user: number): string {
    const token = newApiToken();
    this.db.run('INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)', [hashApiToken(token), user, this.db.now()]);
    return token;
  }

  private row(name: string): UserRow | undefined {
    return this.db.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.name = ?`, [name]);
  }

  private require(name: string): UserRecord {
    const row = this.row(name);
    if (row === undefined) throw notFound('user', name);
    return toUserRecord(row);
  }
}
