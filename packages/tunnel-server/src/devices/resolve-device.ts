import { CodedError } from '@tunnel/protocol/errors';
import type { DeviceRecord, Registry } from '../registry/types.js';
import { MIN_UUID_PREFIX } from '../registry/validate.js';
import { DeviceRefErrorCode } from './device-errors.js';

/** A device reference that names no device or several; `candidates` lists the several. */
export class DeviceRefError extends CodedError<(typeof DeviceRefErrorCode)[keyof typeof DeviceRefErrorCode]> {
  constructor(
    code: (typeof DeviceRefErrorCode)[keyof typeof DeviceRefErrorCode],
    message: string,
    readonly candidates: readonly DeviceRecord[] = [],
  ) {
    super(code, message);
  }
}

/**
 * Resolves what a person typed (full uuid, unique prefix of 7+ characters, or name) to exactly
 * one device. Every entry point (admin commands, the API, stream opens, CONNECT) goes through
 * here, so a prefix means the same thing everywhere. Devices `visible` leaves out are treated as
 * absent, so a reference to one answers exactly as a reference to nothing.
 */
export async function resolveDevice(registry: Registry, ref: string, visible: (device: DeviceRecord) => boolean = () => true): Promise<DeviceRecord> {
  const matches = (await registry.devices.find(ref)).filter(visible);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    const short = /^[0-9a-f]{1,6}$/i.test(ref) ? `; a uuid prefix needs at least ${MIN_UUID_PREFIX} characters` : '';
    throw new DeviceRefError(DeviceRefErrorCode.Unknown, `no device matches "${ref}"${short}`);
  }
  const listed = matches.map((d) => `${d.uuid} (${d.name})`).join(', ');
  throw new DeviceRefError(DeviceRefErrorCode.Ambiguous, `"${ref}" matches ${matches.length} devices: ${listed}; give more of the uuid`, matches);
}
