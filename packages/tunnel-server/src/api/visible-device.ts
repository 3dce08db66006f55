import type { ServerResponse } from 'node:http';
import { deviceRef, openErrorCode, OpenResult } from '@tunnel/protocol/tunnel';
import { authorize } from '../access/authorize.js';
import { visibleTo } from '../access/visibility.js';
import { DeviceRefErrorCode } from '../devices/device-errors.js';
import { DeviceRefError, resolveDevice } from '../devices/resolve-device.js';
import { sendError, sendJson } from '../http/router.js';
import type { DeviceRecord, Registry, UserRecord } from '../registry/types.js';

/**
 * The device a route's `ref` names, when this user may see it. Otherwise the answer is sent
 * (404 unknown, 409 ambiguous with the candidates, 403 with the rule that keeps them out)
 * and null returned.
 */
export async function visibleDevice(registry: Registry, user: UserRecord, ref: string, res: ServerResponse): Promise<DeviceRecord | null> {
  let device: DeviceRecord;
  try {
    device = await resolveDevice(registry, deviceRef(ref));
  } catch (err) {
    if (!(err instanceof DeviceRefError)) throw err;
    const status = err.code === DeviceRefErrorCode.Unknown ? 404 : 409;
    const candidates = err.candidates.map((d) => ({ uuid: d.uuid, name: d.name }));
    sendJson(res, status, { error: { code: err.code, message: err.message, ...(candidates.length > 0 ? { candidates } : {}) } });
    return null;
  }
  const now = Date.now();
  if (!(await visibleTo(user, registry, now))(device)) {
    // Say which rule keeps them out, as a refused stream would.
    const decision = await authorize(user, device, { host: '127.0.0.1', port: 22222 }, { registry, now });
    sendError(res, 403, openErrorCode(OpenResult.AccessDenied), `access denied: ${decision.allowed ? `device ${device.uuid.slice(0, 7)} is not visible to ${user.name}` : decision.reason}`);
    return null;
  }
  return device;
}
