import { deviceRef } from '@tunnel/protocol';
import { DeviceRefError, DeviceRefErrorCode, resolveDevice } from '../devices/resolve-device.js';
import { sendJson, type Router } from '../http/router.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';
import { deviceView } from '../views/device-view.js';
import { authenticatedRoute } from './authenticated-route.js';

export interface ApiDeps {
  registry: Registry;
  presence: Presence;
  authenticator: UserAuthenticator;
}

/**
 * The JSON API people's tools use, token-authenticated. Device lists with filters join here
 * next to the single-device lookup.
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
    '/v1/devices/:ref',
    authenticatedRoute(authenticator, async (_req, res, params) => {
      try {
        const device = await resolveDevice(registry, deviceRef(params['ref'] ?? ''));
        sendJson(res, 200, deviceView(device, await presence.get(device.uuid), Date.now()));
      } catch (err) {
        if (!(err instanceof DeviceRefError)) throw err;
        const status = err.code === DeviceRefErrorCode.Unknown ? 404 : 409;
        const candidates = err.candidates.map((d) => ({ uuid: d.uuid, name: d.name }));
        sendJson(res, status, { error: { code: err.code, message: err.message, ...(candidates.length > 0 ? { candidates } : {}) } });
      }
    }),
  );
}
