import { CodedError } from '@tunnel/protocol/errors';

/**
 * Stable codes for everything that can go wrong on the way through a proxy. Each names who
 * refused (the proxy itself, or the host behind it) so a person knows whom to ask.
 */
export const ProxyErrorCode = {
  /** --proxy, HTTPS_PROXY or ALL_PROXY is not a proxy URL we can use. */
  UrlInvalid: 'ERR_PROXY_URL_INVALID',
  /** balenaOS's system-proxy files (redsocks.conf, no_proxy) cannot be read or name no usable proxy. */
  SystemConfigInvalid: 'ERR_PROXY_SYSTEM_CONFIG_INVALID',
  /** No TCP connection to the proxy itself (refused, unreachable, name not found). */
  Unreachable: 'ERR_PROXY_UNREACHABLE',
  /** The proxy did not answer the tunnel request in time. */
  Timeout: 'ERR_PROXY_TIMEOUT',
  /** The proxy wants credentials and the proxy URL carries none. */
  AuthRequired: 'ERR_PROXY_AUTH_REQUIRED',
  /** The proxy rejected the credentials in the proxy URL. */
  AuthFailed: 'ERR_PROXY_AUTH_FAILED',
  /** The proxy's policy forbids this destination (HTTP 403, SOCKS "not allowed by ruleset"). */
  Forbidden: 'ERR_PROXY_FORBIDDEN',
  /** The proxy tried and could not reach the destination (HTTP 502/503/504, SOCKS refused/unreachable). */
  UpstreamFailed: 'ERR_PROXY_UPSTREAM_FAILED',
  /** Any other refusal (an unexpected HTTP status, a SOCKS general failure). */
  Refused: 'ERR_PROXY_REFUSED',
  /** The proxy answered something that is not its protocol: wrong port, or not that kind of proxy. */
  Protocol: 'ERR_PROXY_PROTOCOL',
} as const;

export type ProxyErrorCode = (typeof ProxyErrorCode)[keyof typeof ProxyErrorCode];

export interface ProxyErrorDetails {
  /** The proxy URL without its password. */
  proxy?: string;
  /** HTTP status of a refused CONNECT. */
  httpStatus?: number;
  /** SOCKS5 reply code (RFC 1928 section 6) of a refused request. */
  socksReply?: number;
}

export class ProxyError extends CodedError<ProxyErrorCode> {
  constructor(
    code: ProxyErrorCode,
    message: string,
    readonly details: ProxyErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
