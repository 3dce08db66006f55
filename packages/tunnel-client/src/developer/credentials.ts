import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CodedError } from '@tunnel/protocol/errors';
import { CredentialsErrorCode } from './developer-errors.js';

/** What `login` stores: where the server is, the token, and the CA to trust it with. */
export interface StoredCredentials {
  server: string;
  token: string;
  /** PEM of the server's CA, copied at login so a moved or deleted file does not break later commands. */
  ca?: string;
  /** Who the server said we are at login, for messages. */
  user?: string;
}

/** $XDG_CONFIG_HOME/tunnel-client/credentials.json, or ~/.config/tunnel-client/credentials.json. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] && path.isAbsolute(env['XDG_CONFIG_HOME']) ? env['XDG_CONFIG_HOME'] : path.join(env['HOME'] ?? homedir(), '.config');
  return path.join(base, 'tunnel-client', 'credentials.json');
}

/** The stored credentials, or null when nobody logged in on this account yet. */
export function readCredentials(file: string): StoredCredentials | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CodedError(CredentialsErrorCode.Unreadable, `cannot read ${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new CodedError(CredentialsErrorCode.Invalid, `${file} is not valid JSON; run \`tunnel-client login\` again`);
  }
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof d['server'] !== 'string' || typeof d['token'] !== 'string') {
    throw new CodedError(CredentialsErrorCode.Invalid, `${file} lacks "server" or "token"; run \`tunnel-client login\` again`);
  }
  const creds: StoredCredentials = { server: d['server'], token: d['token'] };
  if (typeof d['ca'] === 'string') creds.ca = d['ca'];
  if (typeof d['user'] === 'string') creds.user = d['user'];
  return creds;
}

/**
 * Writes the credentials readable by their owner only. The file is created 0600 under a
 * temporary name and renamed over the old one, so the token is never briefly world-readable and
 * an interrupted write never leaves half a file.
 */
export function writeCredentials(file: string, creds: StoredCredentials): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  // The umask cannot widen 0600, but an existing temp file would keep its mode: set it explicitly.
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}
