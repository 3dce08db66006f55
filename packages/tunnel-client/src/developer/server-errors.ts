import { CodedError } from '@tunnel/protocol/errors';

export const ServerErrorCode = {
  Unreachable: 'ERR_SERVER_UNREACHABLE',
  Untrusted: 'ERR_SERVER_UNTRUSTED',
} as const;

const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Why the server could not be reached, in words that point at the fix: an untrusted certificate
 * wants --ca, a refused connection wants the right address or a running server.
 */
export function explainServerError(err: unknown, server: URL): CodedError {
  // Our own errors (a proxy's refusal, a server's answer) already say what happened; a bare
  // socket error code (ECONNREFUSED, from a direct dial) still needs the server's name.
  if (err instanceof CodedError && err.code.startsWith('ERR_')) return err;
  const e = err as NodeJS.ErrnoException;
  const where = server.origin;
  if (e.code && CERTIFICATE_ERRORS.has(e.code)) {
    return new CodedError(
      ServerErrorCode.Untrusted,
      `the certificate of ${where} is not trusted (${e.code}: ${e.message}); pass the server's CA with --ca FILE or TUNNEL_CA (\`tunnel-server ca\` prints it), or log in again with --ca`,
    );
  }
  const why = e.code === 'ECONNREFUSED' ? 'connection refused (is the server running on that port?)' : e.code === 'ENOTFOUND' ? 'no such host' : e.message;
  return new CodedError(ServerErrorCode.Unreachable, `cannot reach the tunnel server at ${where}: ${why}`);
}
