import { CodedError, errorCode } from '@tunnel/protocol/errors';
import type { ServerConnection } from './connection-settings.js';
import { ApiError, getJson } from './server-api.js';
import { ServerErrorCode } from './server-errors.js';
import { DeveloperErrorCode } from './developer-errors.js';

const TRANSIENT = new Set<string>([ServerErrorCode.Unreachable, DeveloperErrorCode.ServerTimeout]);

/** The part of the server's DeviceView the CLI relies on. */
export interface RemoteDevice {
  uuid: string;
  name: string;
  status: string;
  statusLabel: string;
  vpn: { connected: boolean; connectedAt: string | null; disconnectedAt: string | null };
}

/** Resolves a device reference on the server (uuid, prefix, name; `.balena` suffix allowed). */
export async function lookupDevice(connection: ServerConnection, ref: string): Promise<RemoteDevice> {
  try {
    return await getJson<RemoteDevice>(connection, `/v1/devices/${encodeURIComponent(ref)}`);
  } catch (err) {
    // The server's message already lists an ambiguous prefix's candidates.
    if (err instanceof ApiError && (err.status === 404 || err.status === 409)) throw new CodedError(err.code, err.message);
    throw err;
  }
}

export function shortName(device: RemoteDevice): string {
  return `${device.uuid.slice(0, 7)} (${device.name})`;
}

/** "offline (last seen 2026-11-22T10:00:00.000Z)" or "offline (never connected)". */
export function offlineText(device: RemoteDevice): string {
  return `is offline (${device.vpn.disconnectedAt ? `last seen ${device.vpn.disconnectedAt}` : 'never connected'})`;
}

/** Polls until the device has a tunnel session up; resolves with its view then. */
export async function waitUntilOnline(connection: ServerConnection, ref: string, intervalMs: number): Promise<RemoteDevice> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    try {
      const device = await lookupDevice(connection, ref);
      if (device.vpn.connected) return device;
    } catch (err) {
      // A server restarting while we wait is no reason to give up; a refusal is.
      if (!TRANSIENT.has(errorCode(err) ?? '')) throw err;
    }
  }
}
