import net from 'node:net';
import tls from 'node:tls';
import { derToPem } from './certificate.js';
import { TrustError, TrustErrorCode } from './errors.js';

/**
 * The chain a peer presented, leaf first, as PEM. Node links each certificate to its issuer
 * (and a self-signed root to itself), so the walk stops at the first repeat. When node found the
 * issuer in its own trust store (`ca`), that anchor is appended although the peer did not send it.
 */
export function chainFromPeerCertificate(peer: tls.PeerCertificate | tls.DetailedPeerCertificate | null | undefined): string[] {
  const pems: string[] = [];
  const seen = new Set<string>();
  let cert: tls.PeerCertificate | undefined = peer ?? undefined;
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    pems.push(derToPem(cert.raw));
    cert = 'issuerCertificate' in cert ? (cert as tls.DetailedPeerCertificate).issuerCertificate : undefined;
  }
  return pems;
}

/**
 * The chain of a connected TLS socket. Call it from 'secureConnect' of a connection made with
 * rejectUnauthorized:false: once node rejects a chain it destroys the socket and the chain is gone.
 */
export function peerChain(socket: tls.TLSSocket): string[] {
  return chainFromPeerCertificate(socket.getPeerCertificate(true));
}

export interface InspectServerChainOptions {
  /** SNI name; defaults to `host` unless it is an IP address (SNI carries names only). */
  servername?: string;
  /** Whole handshake budget; a silent drop by a firewall otherwise hangs for minutes. */
  timeoutMs?: number;
  /** An already connected socket to run TLS over: a proxy tunnel (CONNECT, SOCKS5). It is consumed. */
  socket?: net.Socket;
  /** What node should judge `authorized` against; node's bundled roots when absent. */
  ca?: readonly string[];
}

export interface ServerChainInspection {
  /** Leaf first, as PEM; what verifyServerChain and diagnoseTlsError take. */
  chain: string[];
  /** Negotiated version, e.g. `TLSv1.3`. */
  protocol: string | null;
  cipher: string;
  /** node:tls's own verdict against `ca` (the handshake itself never rejects here). */
  authorized: boolean;
  /** node:tls's error code when not authorized, e.g. `SELF_SIGNED_CERT_IN_CHAIN`. */
  authorizationError?: string;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * A diagnostic TLS handshake that accepts any certificate, to see what the network presents when
 * the real connection was refused. Nothing is sent after the handshake; the socket is closed.
 */
export function inspectServerChain(host: string, port: number, options: InspectServerChainOptions = {}): Promise<ServerChainInspection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const connectOptions: tls.ConnectionOptions = { host, port, rejectUnauthorized: false };
  const servername = options.servername ?? (net.isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) connectOptions.servername = servername;
  if (options.socket) connectOptions.socket = options.socket;
  if (options.ca) connectOptions.ca = [...options.ca];

  return new Promise((resolve, reject) => {
    const socket = tls.connect(connectOptions);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new TrustError(
          TrustErrorCode.InspectTimeout,
          `no TLS handshake with ${where} within ${timeoutMs} ms; a firewall may be dropping outbound port ${port}, or the server is not answering`,
          { hostname: host },
        ),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const result: ServerChainInspection = {
        chain: peerChain(socket),
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        authorized: socket.authorized,
      };
      if (!socket.authorized && socket.authorizationError) result.authorizationError = String(socket.authorizationError);
      socket.destroy();
      resolve(result);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new TrustError(
          TrustErrorCode.InspectFailed,
          `TLS handshake with ${where} failed: ${err.message}${err.code ? ` (${err.code})` : ''}`,
          err.code ? { hostname: host, tlsCode: err.code } : { hostname: host },
          { cause: err },
        ),
      );
    });
    // A peer that hangs up mid-handshake usually yields 'error' first; this covers the rest.
    socket.once('close', () => {
      clearTimeout(timer);
      reject(new TrustError(TrustErrorCode.InspectFailed, `TLS handshake with ${where} failed: the connection closed first`, { hostname: host }));
    });
  });
}
