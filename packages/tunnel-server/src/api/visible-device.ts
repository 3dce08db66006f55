import type { ServerResponse } from 'node:http';
import { deviceRef } from '@tunnel/protocol/tunnel';
import { visibleTo } from '../access/visibility.js';
import { DeviceRefErrorCode } from '../devices/device-errors.js';
import { DeviceRefError, resolveDevice } from '../devices/resolve-device.js';
import { sendJson } from '../http/router.js';
import type { DeviceRecord, Registry, UserRecord } from '../registry/types.js';

/**
 * The device a route's `ref` names, when this user may see it. Otherwise the answer is sent
 * (404 unknown, 409 ambiguous with the candidates) and null returned. A device the user may not
 * see is unknown to them, with the same 404: a 403 would tell them it exists, and its fleet.
 */
export async function visibleDevice(registry: Registry, user: UserRecord, ref: string, res: ServerResponse): Promise<DeviceRecord | null> {
  try {
    return await resolveDevice(registry, deviceRef(ref), await visibleTo(user, registry, Date.now()));
  } catch (err) {
    if (!(err instanceof DeviceRefError)) throw err;
    const status = err.code === DeviceRefErrorCode.Unknown ? 404 : 409;
    const candidates = err.candidates.map((d) => ({ uuid: d.uuid, name: d.name }));
    sendJson(res, status, { error: { code: err.code, message: err.message, ...(candidates.length > 0 ? { candidates } : {}) } });
    return null;
  }
}
