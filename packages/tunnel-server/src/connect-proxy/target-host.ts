import type { IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { ConnectProxyErrorCode } from './connect-errors.js';

/**
 * The header that names a host on the device's network (`Tunnel-Target: 192.168.1.20`), as
 * `device tunnel --target` does; without it the stream goes to the device itself. The device's
 * own policy (allowedTargets) decides, exactly as for the CLI: the server only carries the name.
 */
export const TARGET_HOST_HEADER = 'tunnel-target';

/** The device itself: where a CONNECT goes when it names no other host. */
export const DEVICE_ITSELF = '127.0.0.1';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** The host a CONNECT or proxy request asks for on the device's side; refuses anything but one name or address. */
export function targetHost(headers: IncomingHttpHeaders): string {
  const raw = headers[TARGET_HOST_HEADER];
  if (raw === undefined) return DEVICE_ITSELF;
  const value = (Array.isArray(raw) ? raw.join(', ') : raw).trim();
  const host = /^\[(.*)\]$/.exec(value)?.[1] ?? value;
  if (net.isIP(host) !== 0 || HOST_NAME.test(host)) return host;
  throw new CodedError(
    ConnectProxyErrorCode.BadTarget,
    `Tunnel-Target "${value}" must be one host name or IP address on the device's network (no port: the port is the CONNECT's), e.g. Tunnel-Target: 192.168.1.20`,
  );
}
