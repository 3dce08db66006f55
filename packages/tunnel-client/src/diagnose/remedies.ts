import { AuthErrorCode } from '@tunnel/protocol/auth';
import { errorCode } from '@tunnel/protocol/errors';
import { TrustErrorCode } from '@tunnel/protocol/trust';
import { AgentErrorCode, ConfigErrorCode } from '../agent/agent-errors.js';
import { NetErrorCode } from '../net/net-errors.js';
import { ProxyErrorCode } from '../net/proxy-errors.js';
import { DiagnoseErrorCode } from './diagnose-errors.js';
import type { TcpTarget } from '../net/tcp-connect.js';
import type { CheckOutcome } from './check.js';

/**
 * What to do about each failure, keyed by its stable code: the masterclass's checklist turned
 * into the next step. `target` is the server's host:port, which most remedies name.
 */
export function remedyFor(code: string | undefined, target: TcpTarget = { host: 'the server', port: 443 }): string | undefined {
  const where = `${target.host}:${target.port}`;
  switch (code) {
    case ConfigErrorCode.Unreadable:
    case ConfigErrorCode.NotJson:
    case ConfigErrorCode.Missing:
    case ConfigErrorCode.Invalid:
    case ConfigErrorCode.UnknownKey:
    case TrustErrorCode.BalenaRootCaInvalid:
      return 'fix config.json (or the TUNNEL_* variable) as the message says; `tunnel-server device add` prints a complete one';
    case ProxyErrorCode.UrlInvalid:
      return 'fix --proxy or the proxy variable named in the message: http://[USER:PASSWORD@]HOST:PORT or socks5://[USER:PASSWORD@]HOST:PORT';
    case ProxyErrorCode.SystemConfigInvalid:
      return 'fix the file named in the message as balenaOS documents it: redsocks { type = http-connect or socks5; ip = ...; port = ...; login = ...; password = ...; }';
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
    case ProxyErrorCode.Unreachable:
      return 'check the proxy host and port in --proxy / HTTPS_PROXY, and that the proxy runs and is reachable from the device';
    case ProxyErrorCode.Timeout:
    case ProxyErrorCode.Protocol:
    case ProxyErrorCode.Refused:
      return 'check the proxy URL: http:// for an HTTP proxy that allows CONNECT, socks5:// for a SOCKS proxy, and the right port';
    case ProxyErrorCode.AuthRequired:
      return 'add the proxy credentials to the proxy URL: http://USER:PASSWORD@HOST:PORT or socks5://USER:PASSWORD@HOST:PORT';
    case ProxyErrorCode.AuthFailed:
      return 'correct the user name or password in the proxy URL (percent-encode characters such as @ : / in them)';
    case ProxyErrorCode.Forbidden:
      return `ask the network's administrator to allow tunnels to ${where} through the proxy`;
    case NetErrorCode.UpgradeTimeout:
      return `TLS to ${where} works but the server does not answer: check that tunnel-server on ${where} is not stopped or overloaded, and any relay or load balancer in between`;
    case ProxyErrorCode.UpstreamFailed:
      return `the proxy could not reach ${where}: check that tunnel-server runs and that the proxy's network may reach it`;
    case TrustErrorCode.InspectFailed:
    case TrustErrorCode.InspectTimeout:
    case NetErrorCode.TlsTimeout:
    case TrustErrorCode.NoPeerCertificate:
      return `something answers on ${where} but not as a TLS server: check vpnPort, and whether a firewall or captive portal intercepts the port`;
    case TrustErrorCode.UntrustedIssuer:
      return (
        'if this network inspects TLS, set balenaRootCA in config.json to its root CA (base64 of the PEM, from the network operator); ' +
        "otherwise give the device the server's CA (serverCA, as `tunnel-server ca` prints it)"
      );
    case TrustErrorCode.HostnameMismatch:
      return "set vpnEndpoint to a name the certificate covers, or reissue the server certificate with this name (tunnel-server start --hostname)";
    case TrustErrorCode.CertNotYetValid:
      return "set the device clock: NTP (UDP 123) must be reachable and chronyd running; the clock check shows the server's time";
    case TrustErrorCode.CertExpired:
      return 'if the clock check shows the device clock agrees with the server, renew the server certificate; otherwise fix the clock (NTP, UDP 123)';
    case TrustErrorCode.CertRejected:
      return 'the server certificate is not usable for TLS server authentication: reissue it';
    case AgentErrorCode.ConnectHttp:
      return `check that vpnPort points at tunnel-server, and that no proxy or firewall on the way strips WebSocket upgrades`;
    case AuthErrorCode.BadKey:
      return "deviceApiKey does not match the device's registered key: restore the config.json that `tunnel-server device add` printed, or provision the device again";
    case AuthErrorCode.UnknownDevice:
      return 'the server does not know this uuid (removed, or provisioned on another server): register it with `tunnel-server device add`';
    case AuthErrorCode.ServerIdentity:
      return 'the server does not hold the key pinned in serverIdentityKey: vpnEndpoint points at another server, or something on the way poses as it';
    case AuthErrorCode.ChannelUnbound:
      return 'upgrade tunnel-server to a version with channel binding; if it has it, something between device and server rewrites the handshake: ask for the server to be exempted from inspection';
    case AuthErrorCode.RateLimited:
      return 'too many failed authentications from this network address (a device or process behind it uses a wrong key): wait, then try again';
    case AuthErrorCode.ServerUnavailable:
      return 'the server is up but its registry is not: nothing to change on this device; it is let in once the server operator restores the database';
    case AuthErrorCode.Timeout:
    case AuthErrorCode.Closed:
    case AuthErrorCode.Protocol:
      return 'check the server log at this time; a proxy or middlebox may be cutting or rewriting the WebSocket';
    case DiagnoseErrorCode.RoundTripTimeout:
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
