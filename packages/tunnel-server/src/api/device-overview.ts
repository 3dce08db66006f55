import type { DeviceStreams } from '../cluster/device-streams.js';
import type { NodeStreamView } from '../cluster/live-streams-query.js';
import { sendJson, type Router } from '../http/router.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';
import { auditView, type AuditView } from '../views/audit-view.js';
import { deviceView, type DeviceView } from '../views/device-view.js';
import { grantView, type GrantView } from '../views/grant-view.js';
import { authenticatedRoute } from './authenticated-route.js';
import { visibleDevice } from './visible-device.js';

export interface DeviceOverviewDeps {
  registry: Registry;
  presence: Presence;
  authenticator: UserAuthenticator;
  authFailures(uuid: string): number;
  /** The device's streams through every node of the cluster. */
  deviceStreams(uuid: string): Promise<DeviceStreams>;
  hasRecording(auditId: number): boolean;
}

/** Everything the device page shows, in one answer. */
export interface DeviceOverview {
  device: DeviceView & { authFailures: number };
  /** Streams to the device now, through any node of the cluster, each with the node the user reached. */
  streams: NodeStreamView[];
  /** Why `streams` may be incomplete (a node did not answer); absent when it is complete. */
  streamsNote?: string;
  /** Newest first; other people's entries only for admins. */
  audit: (AuditView & { recording: boolean })[];
  /** Support grants in force on the device, directly or through its fleet. */
  grants: GrantView[];
}

export const OVERVIEW_AUDIT_ENTRIES = 20;

/** GET /v1/devices/:ref/overview: the device page's data, for anyone who may see the device. */
export function registerDeviceOverviewRoute(router: Router, deps: DeviceOverviewDeps): void {
  const { registry } = deps;
  router.on(
    'GET',
    '/v1/devices/:ref/overview',
    authenticatedRoute(deps.authenticator, async (_req, res, params, user) => {
      const device = await visibleDevice(registry, user, params['ref'] ?? '', res);
      if (device === null) return;
      const now = Date.now();
      const audit = await registry.audit.query({ deviceUuid: device.uuid, limit: OVERVIEW_AUDIT_ENTRIES, ...(user.role === 'admin' ? {} : { user: user.name }) });
      const grants = await registry.grants.list({ deviceUuid: device.uuid, at: now });
      const live = await deps.deviceStreams(device.uuid);
      const body: DeviceOverview = {
        device: { ...deviceView(device, await deps.presence.get(device.uuid), now), authFailures: deps.authFailures(device.uuid) },
        streams: live.streams.filter((s) => user.role === 'admin' || s.user === user.name),
        ...(live.note === undefined ? {} : { streamsNote: live.note }),
        audit: audit.map((a) => ({ ...auditView(a), recording: deps.hasRecording(a.id) })),
        grants: grants.map((g) => grantView(g, now)),
      };
      sendJson(res, 200, body);
    }),
  );
}
