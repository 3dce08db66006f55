import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TranscriptSigner } from '@tunnel/protocol/auth';
import { type Logger } from '@tunnel/protocol/log';
import { ConnectPath } from '@tunnel/protocol/wire';
import { type YamuxConfig } from '@tunnel/protocol/yamux';
import type WebSocket from 'ws';
import { deviceSubject, type AuthLimits } from './auth/auth-limits.js';
import { registerApiRoutes } from './api/api-routes.js';
import { registerDeviceOverviewRoute } from './api/device-overview.js';
import { deviceStreams, type DeviceStreamsSources } from './cluster/device-streams.js';
import { ConnectProxy } from './connect-proxy/connect-proxy.js';
import { ForwardRequestProxy } from './connect-proxy/forward-request.js';
import type { DeviceSessions } from './devices/device-sessions.js';
import { DeviceStreamOpener, type StreamRelay } from './forwarding/device-stream-opener.js';
import type { PreAuthGate } from './connections/pre-auth-gate.js';
import type { Router } from './http/router.js';
import type { ServerMetrics } from './metrics/server-metrics.js';
import type { Presence } from './presence/presence.js';
import type { Registry, UserRecord } from './registry/types.js';
import { authenticateBearer } from './users/bearer-auth.js';
import { BrowserSessions } from './users/browser-sessions.js';
import { registerSessionRoutes } from './users/session-routes.js';
import { UserAuthenticator } from './users/user-authenticator.js';
import { UserEndpoint } from './users/user-endpoint.js';
import { mountWebTerminal } from './web-terminal/mount.js';
import { hasRecording } from './web-terminal/recordings.js';
import type { TerminalSettings } from './web-terminal/terminal-session.js';

/** The parts of the server that people's access plugs into. */
export interface DeveloperAccessHost {
  readonly registry: Registry;
  readonly presence: Presence;
  readonly sessions: DeviceSessions;
  readonly router: Router;
  readonly log: Logger;
  /** Keys the dashboard's session cookies (alike on every node of a cluster). */
  readonly identity: TranscriptSigner;
  readonly authLimits: AuthLimits;
  readonly metrics: ServerMetrics;
  readonly preAuth: Pick<PreAuthGate, 'authenticated'>;
  onWebSocket<T>(path: string, handler: (ws: WebSocket, req: IncomingMessage, admitted: T) => void, admit: (req: IncomingMessage) => Promise<T>): void;
  onProxy(handlers: { connect: (req: IncomingMessage, socket: Duplex, head: Buffer) => void; request: (req: IncomingMessage, res: ServerResponse) => Promise<void> }): void;
}

type PeerStreamsSource = NonNullable<DeviceStreamsSources['peers']>;

export interface DeveloperAccessSettings {
  authFailureDelayMs: number;
  yamux: Partial<YamuxConfig>;
  userStreamLimit: number;
  userSessionLimit: number;
  dataDir: string;
  terminal: TerminalSettings;
  /** Streams to devices of other cluster nodes, and the streams those nodes carry; absent when this node relays none. */
  relay: (StreamRelay & PeerStreamsSource) | undefined;
  nodeId: string;
}

/**
 * Everything people use to reach devices, on the server's one listener: the CLI's tunnel
 * session, HTTP CONNECT (and plain proxy requests), the JSON API and the browser terminal. One token check and one stream opener serve all three.
 */
/** What the rest of the server needs from the developer side: the token check and the stream opener. */
export interface DeveloperAccess {
  authenticator: UserAuthenticator;
  opener: DeviceStreamOpener;
}

/** How often live streams are re-authorised (revocations may come from another process). */
const RECHECK_INTERVAL_MS = 1_000;

export function mountDeveloperAccess(host: DeveloperAccessHost, settings: DeveloperAccessSettings): DeveloperAccess {
  const { registry, presence, sessions, log } = host;
  const browserSessions = new BrowserSessions(host.identity);
  const authenticator = new UserAuthenticator({ registry, limits: host.authLimits, failureDelayMs: settings.authFailureDelayMs, log, metrics: host.metrics, sessions: browserSessions });
  registerSessionRoutes(host.router, authenticator);
  const opener = new DeviceStreamOpener({ registry, presence, sessions, log, metrics: host.metrics, userStreamLimit: settings.userStreamLimit, ...(settings.relay ? { relay: settings.relay } : {}) });
  const users = new UserEndpoint({ registry, opener, yamux: settings.yamux, log, sessionLimit: settings.userSessionLimit });
  host.onWebSocket<UserRecord>(
    ConnectPath.User,
    (ws, req, user) => users.accept(ws, req, user),
    async (req) => users.admit(await authenticateBearer(authenticator, req)),
  );
  const connect = new ConnectProxy({ authenticator, opener, log, authenticated: (req) => host.preAuth.authenticated(req.socket) });
  const forward = new ForwardRequestProxy({ authenticator, opener, log });
  host.onProxy({ connect: (req, socket, head) => connect.handle(req, socket, head), request: (req, res) => forward.handle(req, res) });
  const authFailures = (uuid: string): number => host.authLimits.subjectFailures(deviceSubject(uuid));
  registerApiRoutes(host.router, { registry, presence, authenticator, authFailures });
  registerDeviceOverviewRoute(host.router, {
    registry,
    presence,
    authenticator,
    authFailures,
    deviceStreams: (uuid) => deviceStreams(uuid, { nodeId: settings.nodeId, local: (u) => opener.liveStreams(u), ...(settings.relay ? { peers: settings.relay } : {}) }),
    hasRecording: (id) => hasRecording(settings.dataDir, id),
  });
  mountWebTerminal(host, { authenticator, opener, dataDir: settings.dataDir, settings: settings.terminal });
  opener.watch(RECHECK_INTERVAL_MS);
  return { authenticator, opener };
}
