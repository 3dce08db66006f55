// Writes a development CA and a server certificate into certs/ (keys stay untracked: .gitignore),
// for running the server with --cert/--key or trusting it elsewhere. `tunnel-server start`
// without --cert does the same in its data directory by itself.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevPki } from '@tunnel/protocol/dev-pki';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const hostnames = process.argv.slice(2);
const pki = await ensureDevPki(path.join(root, 'certs'), { hostnames });
console.log(`CA:     ${path.relative(root, pki.paths.caCert)}${pki.caCreated ? ' (new)' : ''}`);
console.log(`server: ${path.relative(root, pki.paths.serverCert)} (${pki.server}), names: ${pki.names.join(', ')}`);
