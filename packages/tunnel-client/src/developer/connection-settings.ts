import { readFileSync } from 'node:fs';
import { CodedError } from '@tunnel/protocol/errors';
import type { ProxyConfig } from '../net/proxy-config.js';
import { credentialsFile, readCredentials, type StoredCredentials } from './credentials.js';
import { ConnectionErrorCode } from './developer-errors.js';

/** Where the developer commands connect and how they prove who they are. */
export interface ServerConnection {
  /** https://host[:port], no trailing slash. */
  server: URL;
  token: string;
  /** Extra CA certificates (PEM) to trust besides the system roots. */
  ca: string[];
  /** The proxy every request and WebSocket to the server leaves through (NO_PROXY applied); direct when absent. */
  proxy?: ProxyConfig;
}

export interface ConnectionFlags {
  server?: string;
  token?: string;
  /** A PEM file. */
  ca?: string;
  /** --proxy URL; HTTPS_PROXY / NO_PROXY otherwise. */
  proxy?: string;
}

/** Parses --server: an https:// URL of the server's listener (443 when no port is given). */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `https://${text}`);
  } catch {
    throw new CodedError(ConnectionErrorCode.BadServer, `server "${text}" is not a URL like https://tunnel.example.com or https://127.0.0.1:8443`);
  }
  if (url.protocol !== 'https:') throw new CodedError(ConnectionErrorCode.BadServer, `server "${text}" must be an https:// URL: tokens never travel in clear text`);
  return new URL(url.origin);
}

export function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodedError(ConnectionErrorCode.CaUnreadable, `cannot read the CA file ${file}: ${(err as Error).message}`);
  }
}

/** What every developer command connects with: flags, environment, then the stored login. */
export function loggedInConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): ServerConnection {
  return resolveConnection(flags, env, readCredentials(credentialsFile(env)));
}

/**
 * Flags, then TUNNEL_SERVER / TUNNEL_TOKEN / TUNNEL_CA, then what `login` stored: the first
 * that has a value wins, field by field.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, stored: StoredCredentials | null): ServerConnection {
  const server = firstSet(flags.server, env['TUNNEL_SERVER'], stored?.server);
  const token = firstSet(flags.token, env['TUNNEL_TOKEN'], stored?.token);
  if (!server || !token) {
    throw new CodedError(
      ConnectionErrorCode.NotLoggedIn,
      `no ${server ? 'API token' : 'server'} configured: run \`tunnel-client login --server https://HOST[:PORT] --token TOKEN [--ca FILE]\`, or set TUNNEL_SERVER and TUNNEL_TOKEN`,
    );
  }
  const caFile = firstSet(flags.ca, env['TUNNEL_CA']);
  const ca = caFile ? [readCaFile(caFile)] : stored?.ca ? [stored.ca] : [];
  return { server: parseServerUrl(server), token, ca };
}

/** An empty variable (TUNNEL_TOKEN= in a script) counts as unset, not as an empty token. */
function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== '');
}
