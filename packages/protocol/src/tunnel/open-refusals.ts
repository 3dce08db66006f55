import { OpenResult } from './open-protocol.js';

/** How a refused open reads to people and to HTTP clients, whichever end tells them. */
export interface OpenRefusal {
  /**
   * The cause in a few words, ahead of the detailed message: a developer must see at a glance
   * whether to fix the device, the target port or their access.
   */
  cause: string;
  /**
   * The status a CONNECT client gets. Tools print the status line, so each cause keeps its own:
   * 503 offline, busy or draining (the JSON code tells which), 429 the user's own limit, 502
   * nothing listening or unreachable on the device's side, 504 timed out, 403 not allowed (by the
   * server or by the device).
   */
  httpStatus: number;
}

export const OPEN_REFUSALS: Readonly<Record<Exclude<OpenResult, 'ok'>, OpenRefusal>> = {
  [OpenResult.DeviceOffline]: { cause: 'device offline', httpStatus: 503 },
  [OpenResult.DeviceBusy]: { cause: 'device busy', httpStatus: 503 },
  [OpenResult.DeviceDraining]: { cause: 'device reconnecting', httpStatus: 503 },
  [OpenResult.LimitReached]: { cause: 'your stream limit is reached', httpStatus: 429 },
  [OpenResult.UnknownDevice]: { cause: 'unknown device', httpStatus: 404 },
  [OpenResult.AccessDenied]: { cause: 'access denied', httpStatus: 403 },
  [OpenResult.PortNotAllowed]: { cause: 'port not allowed by the device', httpStatus: 403 },
  [OpenResult.ConnectionRefused]: { cause: 'connection refused on the device', httpStatus: 502 },
  [OpenResult.HostUnreachable]: { cause: 'host unreachable from the device', httpStatus: 502 },
  [OpenResult.TimedOut]: { cause: 'timed out', httpStatus: 504 },
  [OpenResult.BadRequest]: { cause: 'bad request', httpStatus: 400 },
  [OpenResult.ServerError]: { cause: 'server error', httpStatus: 500 },
};
