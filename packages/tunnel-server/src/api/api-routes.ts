import { visibleTo } from '../access/visibility.js';
import { sendError, sendJson, type Router } from '../http/router.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';
import { deviceView, type DeviceView } from '../views/device-view.js';
import { authenticatedRoute } from './authenticated-route.js';
import { ApiErrorCode } from './api-errors.js';
import { matchesQuery, page, parseDeviceQuery } from './device-query.js';
import { visibleDevice } from './visible-device.js';

export interface ApiDeps {
  registry: Registry;
  presence: Presence;
  authenticator: UserAuthenticator;
  /** Failed authentications of a device in the current window, for the dashboard's warning. */
  authFailures(uuid: string): number;
}

export interface DeviceListResponse {
  devices: (DeviceView & { authFailures: number })[];
  /** Devices matching the filters; `devices` is the page of them from `offset`. */
  total: number;
  offset: number;
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
      const query = parseDeviceQuery(new URL(req.url ?? '/', 'http://x').searchParams);
      if (typeof query === 'string') {
        sendError(res, 400, ApiErrorCode.BadFilter, query);
        return;
      }
      const now = Date.now();
      const visible = (await registry.devices.list()).filter(await visibleTo(user, registry, now));
      const byUuid = new Map((await presence.list()).map((p) => [p.uuid, p]));
      // Views are cheap; the page (not all 10,000) is what goes over the wire and into the DOM.
      const matches = visible.map((d) => deviceView(d, byUuid.get(d.uuid) ?? null, now)).filter((v) => matchesQuery(v, query));
      const views = page(matches, query).map((v) => ({ ...v, authFailures: deps.authFailures(v.uuid) }));
      const fleets = [...new Set(visible.flatMap((d) => (d.fleet === null ? [] : [d.fleet])))].sort();
      const body: DeviceListResponse = { devices: views, total: matches.length, offset: query.offset, fleets, serverTime: new Date(now).toISOString() };
      sendJson(res, 200, body);
    }),
  );

  router.on(
    'GET',
    '/v1/devices/:ref',
    authenticatedRoute(authenticator, async (_req, res, params, user) => {
      const device = await visibleDevice(registry, user, params['ref'] ?? '', res);
      if (device === null) return;
      const now = Date.now();
      sendJson(res, 200, { ...deviceView(device, await presence.get(device.uuid), now), authFailures: deps.authFailures(device.uuid) });
    }),
  );
}
