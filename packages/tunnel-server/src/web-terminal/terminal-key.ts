import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';

/** The key the server logs in to devices' sshd with; the private half never leaves the data directory. */
export interface TerminalKey {
  /** OpenSSH private key. */
  privateKey: string;
  /** One authorized_keys line. */
  publicKey: string;
  file: string;
}

const KEY_FILE = 'terminal_ed25519';

/** Loads the server's web-terminal key from the data directory, making it on first use. */
export function loadOrCreateTerminalKey(dataDir: string): TerminalKey {
  const file = path.join(dataDir, KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'tunnel-server web terminal' });
    writeFileSync(file, pair.private, { mode: 0o600 });
    chmodSync(file, 0o600);
    writeFileSync(`${file}.pub`, `${pair.public}\n`);
  }
  return { privateKey: readFileSync(file, 'utf8'), publicKey: readFileSync(`${file}.pub`, 'utf8').trim(), file };
}
