import type { TcpTarget } from '../../net/tcp-connect.js';
import { given, type DiagnoseState } from '../check.js';

/** The server the device config points at: what every network check dials. */
export function serverOf(state: DiagnoseState): TcpTarget {
  const config = given(state.config, 'the device config');
  return { host: config.vpnEndpoint, port: config.vpnPort };
}
