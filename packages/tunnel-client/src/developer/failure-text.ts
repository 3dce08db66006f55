import { errorCode } from '@tunnel/protocol/errors';
import { OpenError, OpenResult } from '@tunnel/protocol/tunnel';

/**
 * The cause of a refused open in a few words, ahead of the detailed message: a developer must
 * see at a glance whether to fix the device, the target port or their access.
 */
const causes: Record<Exclude<OpenResult, 'ok'>, string> = {
  [OpenResult.DeviceOffline]: 'device offline',
  [OpenResult.DeviceBusy]: 'device busy',
  [OpenResult.DeviceDraining]: 'device reconnecting',
  [OpenResult.LimitReached]: 'your stream limit is reached',
  [OpenResult.UnknownDevice]: 'unknown device',
  [OpenResult.AccessDenied]: 'access denied',
  [OpenResult.PortNotAllowed]: 'port not allowed by the device',
  [OpenResult.ConnectionRefused]: 'connection refused on the device',
  [OpenResult.HostUnreachable]: 'host unreachable from the device',
  [OpenResult.TimedOut]: 'timed out',
  [OpenResult.BadRequest]: 'bad request',
  [OpenResult.ServerError]: 'server error',
};

/** "connection refused on the device (connection refused by 127.0.0.1:22222 …)" */
export function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof OpenError ? `${causes[err.result]} (${message})` : message;
}

/** " [ERR_OPEN_CONNECTION_REFUSED]", or nothing for an error without a code. */
export function codeSuffix(err: unknown): string {
  const code = errorCode(err);
  return code ? ` [${code}]` : '';
}

/** 512 B, 3.1 KiB, 50.0 MiB, 1.00 GiB */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
