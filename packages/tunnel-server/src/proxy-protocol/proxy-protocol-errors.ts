import { CodedError } from '@tunnel/protocol/errors';

/** Stable codes of a connection refused at its PROXY protocol header (see proxy-header.ts). */
export const ProxyProtocolErrorCode = {
  /** The listener requires a PROXY header and the connection began with something else. */
  Missing: 'ERR_PROXY_HEADER_MISSING',
  /** The header began as PROXY protocol but broke its grammar. */
  Malformed: 'ERR_PROXY_HEADER_MALFORMED',
  /** The header is longer than any load balancer sends. */
  Oversized: 'ERR_PROXY_HEADER_OVERSIZED',
  /** A valid header of the version this listener was not told to accept. */
  WrongVersion: 'ERR_PROXY_HEADER_VERSION',
  /** The connection did not finish its header within the deadline. */
  Timeout: 'ERR_PROXY_HEADER_TIMEOUT',
  /** So many connections already owe their header (--preauth-global) that a new one was closed. */
  Backlog: 'ERR_PROXY_HEADER_BACKLOG',
  /** The connection came from an address that is not a trusted load balancer. */
  UntrustedSource: 'ERR_PROXY_SOURCE_UNTRUSTED',
} as const;

export type ProxyProtocolErrorCode = (typeof ProxyProtocolErrorCode)[keyof typeof ProxyProtocolErrorCode];

export class ProxyHeaderError extends CodedError<ProxyProtocolErrorCode> {}
