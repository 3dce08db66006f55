import { deviceRef, openErrorCode, OpenResult } from '@tunnel/protocol';
import { authorize } from '../access/authorize.js';
import { visibleTo } from '../access/visibility.js';
import { DeviceRefErrorCode } from '../devices/device-errors.js';
import { DeviceRefError, resolveDevice } from '../devices/resolve-device.js';
import { sendError, sendJson, type Router } from '../http/router.js';
import { DEVICE_STATUSES, type DeviceStatus } from '../presence/device-status.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';
import { deviceView, type DeviceView } from '../views/device-view.js';
import { authenticatedRoute } from './authenticated-route.js';
import { ApiErrorCode } from './api-errors.js';

export interface ApiDeps {
  registry: Registry;
  presence: Presence;
  authenticator: UserAuthenticator;
  /** Failed authentications of a device in the current window, for the dashboard's warning. */
  authFailures(uuid: string): number;
}

export interface DeviceListResponse {
  devices: (DeviceView & { authFailures: number })[];
  /** The fleets of the devices the caller may see, for filters. */
  fleets: string[];
  serverTime: string;
}

/**
 * The JSON API people's tools use (the CLI, the dashboard), token-authenticated. Everyone sees
 * only the devices they could reach (access/visibility.ts).
 */
export function registerApiRoutes(router: Router, deps: ApiDeps): void {
  const { registry, presence, authenticator } = deps;

  router.on(
    'GET',
    '/v1/whoami',
    authenticatedRoute(authenticator, (_req, res, _params, user) => {
      sendJson(res, 200, { name: user.name, role: user.role });
    }),
  );

  router.on(
    'GET',
    '/v1/devices',
    authenticatedRoute(authenticator, async (req, res, _params, user) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const status = query.get('status') ?? '';
      const fleet = query.get('fleet') ?? '';
      if (status !== '' && !DEVICE_STATUSES.includes(status as DeviceStatus)) {
        sendError(res, 400, ApiErrorCode.BadFilter, `status must be one of ${DEVICE_STATUSES.join(', ')}, got "${status}"`);
        return;
      }
      const now = Date.now();
      const visible = (await registry.devices.list()).filter(await visibleTo(user, registry, now));
      const byUuid = new Map((await presence.list()).map((p) => [p.uuid, p]));
      const views = visible
        .map((d) => ({ ...deviceView(d, byUuid.get(d.uuid) ?? null, now), authFailures: deps.authFailures(d.uuid) }))
        .filter((v) => (status === '' || v.status === status) && (fleet === '' || v.fleet === fleet));
      const fleets = [...new Set(visible.flatMap((d) => (d.fleet === null ? [] : [d.fleet])))].sort();
      const body: DeviceListResponse = { devices: views, fleets, serverTime: new Date(now).toISOString() };
      sendJson(res, 200, body);
    }),
  );

  router.on(
    'GET',
    '/v1/devices/:ref',
    authenticatedRoute(authenticator, async (_req, res, params, user) => {
      let device;
      try {
        device = await resolveDevice(registry, deviceRef(params['ref'] ?? ''));
      } catch (err) {
        if (!(err instanceof DeviceRefError)) throw err;
        const status = err.code === DeviceRefErrorCode.Unknown ? 404 : 409;
        const candidates = err.candidates.map((d) => ({ uuid: d.uuid, name: d.name }));
        sendJson(res, status, { error: { code: err.code, message: err.message, ...(candidates.length > 0 ? { candidates } : {}) } });
        return;
      }
      const now = Date.now();
      if (!(await visibleTo(user, registry, now))(device)) {
        // Say which rule keeps them out, as a refused stream would.
        const decision = await authorize(user, device, { host: '127.0.0.1', port: 22222 }, { registry, now });
        sendError(res, 403, openErrorCode(OpenResult.AccessDenied), `access denied: ${decision.allowed ? `device ${device.uuid.slice(0, 7)} is not visible to ${user.name}` : decision.reason}`);
        return;
      }
      sendJson(res, 200, { ...deviceView(device, await presence.get(device.uuid), now), authFailures: deps.authFailures(device.uuid) });
    }),
  );
}
