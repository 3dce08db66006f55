import { errorCode } from '@tunnel/protocol';
import type { TcpTarget } from '../net/tcp-connect.js';
import type { CheckOutcome } from './check.js';

/**
 * What to do about each failure, keyed by its stable code: the masterclass's checklist turned
 * into the next step. `target` is the server's host:port, which most remedies name.
 */
export function remedyFor(code: string | undefined, target: TcpTarget = { host: 'the server', port: 443 }): string | undefined {
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case 'ERR_CONFIG_UNREADABLE':
    case 'ERR_CONFIG_NOT_JSON':
    case 'ERR_CONFIG_MISSING':
    case 'ERR_CONFIG_INVALID':
    case 'ERR_CONFIG_UNKNOWN_KEY':
    case 'ERR_TRUST_BALENA_ROOT_CA_INVALID':
      return 'fix config.json (or the TUNNEL_* variable) as the message says; `tunnel-server device add` prints a complete one';
    case 'ERR_PROXY_URL_INVALID':
      return 'fix --proxy or the proxy variable named in the message: http://[USER:PASSWORD@]HOST:PORT or socks5://[USER:PASSWORD@]HOST:PORT';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `check the name in vpnEndpoint, and that the device's DNS servers answer (UDP 53; dnsServers in config.json)`;
    case 'ECONNREFUSED':
      return `check vpnEndpoint and vpnPort, that tunnel-server runs on ${where}, and that no firewall rejects outbound TCP ${target.port}`;
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return `a firewall probably blocks outbound TCP ${target.port}: have it opened, or go through the network's proxy (--proxy or HTTPS_PROXY)`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return "check the device's own network: link, address, default route";
    case 'ERR_PROXY_UNREACHABLE':
      return 'check the proxy host and port in --proxy / HTTPS_PROXY, and that the proxy runs and is reachable from the device';
    case 'ERR_PROXY_TIMEOUT':
    case 'ERR_PROXY_PROTOCOL':
    case 'ERR_PROXY_REFUSED':
      return 'check the proxy URL: http:// for an HTTP proxy that allows CONNECT, socks5:// for a SOCKS proxy, and the right port';
    case 'ERR_PROXY_AUTH_REQUIRED':
      return 'add the proxy credentials to the proxy URL: http://USER:PASSWORD@HOST:PORT or socks5://USER:PASSWORD@HOST:PORT';
    case 'ERR_PROXY_AUTH_FAILED':
      return 'correct the user name or password in the proxy URL (percent-encode characters such as @ : / in them)';
    case 'ERR_PROXY_FORBIDDEN':
      return `ask the network's administrator to allow tunnels to ${where} through the proxy`;
    case 'ERR_PROXY_UPSTREAM_FAILED':
      return `the proxy could not reach ${where}: check that tunnel-server runs and that the proxy's network may reach it`;
    case 'ERR_TLS_INSPECT_FAILED':
    case 'ERR_TLS_INSPECT_TIMEOUT':
    case 'ERR_TLS_NO_PEER_CERTIFICATE':
      return `something answers on ${where} but not as a TLS server: check vpnPort, and whether a firewall or captive portal intercepts the port`;
    case 'ERR_TLS_UNTRUSTED_ISSUER':
      return (
        'if this network inspects TLS, set balenaRootCA in config.json to its root CA (base64 of the PEM, from the network operator); ' +
        "otherwise give the device the server's CA (serverCA, as `tunnel-server ca` prints it)"
      );
    case 'ERR_TLS_HOSTNAME_MISMATCH':
      return "set vpnEndpoint to a name the certificate covers, or reissue the server certificate with this name (tunnel-server start --hostname)";
    case 'ERR_TLS_CERT_NOT_YET_VALID':
      return "set the device clock: NTP (UDP 123) must be reachable and chronyd running; the clock check shows the server's time";
    case 'ERR_TLS_CERT_EXPIRED':
      return 'if the clock check shows the device clock agrees with the server, renew the server certificate; otherwise fix the clock (NTP, UDP 123)';
    case 'ERR_TLS_CERT_REJECTED':
      return 'the server certificate is not usable for TLS server authentication: reissue it';
    case 'ERR_CONNECT_HTTP':
      return `check that vpnPort points at tunnel-server, and that no proxy or firewall on the way strips WebSocket upgrades`;
    case 'ERR_AUTH_BAD_KEY':
      return "deviceApiKey does not match the device's registered key: restore the config.json that `tunnel-server device add` printed, or provision the device again";
    case 'ERR_AUTH_UNKNOWN_DEVICE':
      return 'the server does not know this uuid (removed, or provisioned on another server): register it with `tunnel-server device add`';
    case 'ERR_AUTH_SERVER_IDENTITY':
      return 'the server does not hold the key pinned in serverIdentityKey: vpnEndpoint points at another server, or something on the way poses as it';
    case 'ERR_AUTH_RATE_LIMITED':
      return 'too many failed attempts from this device or address: wait, then try again';
    case 'ERR_AUTH_TIMEOUT':
    case 'ERR_AUTH_CLOSED':
    case 'ERR_AUTH_PROTOCOL':
      return 'check the server log at this time; a proxy or middlebox may be cutting or rewriting the WebSocket';
    case 'ERR_ROUND_TRIP_TIMEOUT':
      return 'a proxy or middlebox on the way buffers or drops WebSocket data: try without it, or ask for the server to be exempted from inspection';
    default:
      return undefined;
  }
}

/** A FAIL (or WARN) line for an error: its message, its code, and the remedy for that code. */
export function outcomeOf(err: unknown, target?: TcpTarget, status: 'FAIL' | 'WARN' = 'FAIL'): CheckOutcome {
  const code = errorCode(err);
  const remedy = remedyFor(code, target);
  return {
    status,
    detail: err instanceof Error ? err.message : String(err),
    ...(remedy !== undefined ? { remedy } : {}),
    ...(code !== undefined ? { code } : {}),
  };
}
