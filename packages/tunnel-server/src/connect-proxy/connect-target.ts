import { CodedError } from '@tunnel/protocol/errors';
import { DEVICE_HOST_SUFFIXES, deviceRefFromHost } from '@tunnel/protocol/tunnel';
import { ConnectProxyErrorCode } from './connect-errors.js';

export interface ConnectTarget {
  /** The device reference: uuid, prefix or name. */
  device: string;
  port: number;
}

/**
 * The authority of `CONNECT <device>.balena:<port>` (or `.vpn`). Anything else is refused:
 * this is a door to devices, not an open proxy to the server's own network.
 */
export function parseConnectTarget(authority: string | undefined): ConnectTarget {
  const m = /^([^:/\s]+):(\d{1,5})$/.exec(authority ?? '');
  const device = m ? deviceRefFromHost(m[1]!) : undefined;
  const port = Number(m?.[2]);
  if (!m || device === undefined || port < 1 || port > 65535) {
    throw new CodedError(
      ConnectProxyErrorCode.BadTarget,
      `CONNECT target "${authority ?? ''}" must be <device>${DEVICE_HOST_SUFFIXES[0]}:<port> or <device>${DEVICE_HOST_SUFFIXES[1]}:<port>, where <device> is a uuid, a unique prefix of 7+ characters or a name`,
    );
  }
  return { device, port };
}
