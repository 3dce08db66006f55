/**
 * An ECDSA P-256 CA and server certificate for the bench's server, made with the openssl CLI.
 * The development CA the server makes by itself is RSA-2048 (node-forge signs only RSA), and an
 * RSA signature costs the server ~0.3 ms of CPU per TLS handshake, a fifth of what a connect
 * storm costs it. Real deployments bring their own certificate (--cert/--key); an ECDSA one is
 * the usual choice today, so the bench measures with one and says so in its notes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findExecutable, run } from '../../proc/run.js';
import type { ServerCertificate, TunnelLaunchContext } from './types.js';

export async function ecdsaBenchCertificate(context: TunnelLaunchContext): Promise<ServerCertificate | undefined> {
  const openssl = findExecutable('openssl');
  if (openssl === undefined) return undefined;
  const dir = path.join(context.workDir, 'bench-tls');
  fs.mkdirSync(dir, { mode: 0o700 });
  const file = (name: string): string => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run(openssl, ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=tunnel bench CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run(openssl, ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(file('server.ext'), [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ].join('\n'));
  await run(openssl, ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-out', file('server.pem'), '-days', '2', '-sha256', '-extfile', file('server.ext')]);
  return {
    cert: file('server.pem'),
    key: file('server.key'),
    ca: file('ca.pem'),
    note: 'ECDSA P-256 server certificate and CA made with openssl for the bench (passed with --cert/--key, as a deployment brings its own); the development CA would be RSA-2048',
  };
}
