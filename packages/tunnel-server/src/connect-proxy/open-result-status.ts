import { OpenResult } from '@tunnel/protocol/tunnel';

/**
 * HTTP status of each refused open, as a CONNECT client sees it. Tools print the status line,
 * so each cause keeps its own: 503 offline, busy or draining (the JSON code tells which), 429 the user's own limit, 502 nothing listening or unreachable on the
 * device's side, 504 timed out, 403 not allowed (by the server or by the device).
 */
export const openResultStatus: Record<Exclude<OpenResult, 'ok'>, number> = {
  [OpenResult.DeviceOffline]: 503,
  [OpenResult.DeviceBusy]: 503,
  [OpenResult.DeviceDraining]: 503,
  [OpenResult.LimitReached]: 429,
  [OpenResult.UnknownDevice]: 404,
  [OpenResult.AccessDenied]: 403,
  [OpenResult.PortNotAllowed]: 403,
  [OpenResult.ConnectionRefused]: 502,
  [OpenResult.HostUnreachable]: 502,
  [OpenResult.TimedOut]: 504,
  [OpenResult.BadRequest]: 400,
  [OpenResult.ServerError]: 500,
};
