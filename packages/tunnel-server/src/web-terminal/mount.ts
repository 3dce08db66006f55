import type { IncomingMessage } from 'node:http';
import type { Logger } from '@tunnel/protocol/log';
import type WebSocket from 'ws';
import { authenticatedRoute } from '../api/authenticated-route.js';
import { visibleDevice } from '../api/visible-device.js';
import type { DeviceStreamOpener } from '../forwarding/device-stream-opener.js';
import { HttpError } from '../http/http-error.js';
import { sendError, sendJson, type Router } from '../http/router.js';
import type { Registry, UserRecord } from '../registry/types.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';
import { TerminalErrorCode } from './errors.js';
import { validSize } from './messages.js';
import { sendRecording } from './recordings.js';
import { loadOrCreateTerminalKey } from './terminal-key.js';
import { runTerminalSession, type TerminalSettings } from './terminal-session.js';
import { TerminalTickets, TICKET_TTL_MS } from './tickets.js';

export const TERMINAL_PATH = '/v1/terminal';

export interface WebTerminalHost {
  readonly registry: Registry;
  readonly router: Router;
  readonly log: Logger;
  onWebSocket<T>(path: string, handler: (ws: WebSocket, req: IncomingMessage, admitted: T) => void, admit: (req: IncomingMessage) => Promise<T>): void;
}

export interface WebTerminalDeps {
  authenticator: UserAuthenticator;
  opener: DeviceStreamOpener;
  dataDir: string;
  settings: TerminalSettings;
}

interface Admitted {
  user: UserRecord;
  token: string;
  deviceUuid: string;
  cols: number;
  rows: number;
  settings: TerminalSettings;
}

/**
 * The browser terminal: POST /v1/devices/:ref/terminal (token) gives a one-use ticket, the
 * page opens the WebSocket /v1/terminal?ticket=…&cols=…&rows=… with it, and
 * GET /v1/recordings/:id plays a finished session back.
 */
export function mountWebTerminal(host: WebTerminalHost, deps: WebTerminalDeps): void {
  const { registry, router, log } = host;
  const tickets = new TerminalTickets();
  const key = loadOrCreateTerminalKey(deps.dataDir);

  router.on(
    'POST',
    '/v1/devices/:ref/terminal',
    authenticatedRoute(deps.authenticator, async (_req, res, params, user, token) => {
      const device = await visibleDevice(registry, user, params['ref'] ?? '', res);
      if (device === null) return;
      sendJson(res, 200, { ticket: tickets.issue({ user: user.name, token, deviceUuid: device.uuid }), expiresInMs: TICKET_TTL_MS, path: TERMINAL_PATH });
    }),
  );

  router.on(
    'GET',
    '/v1/recordings/:id',
    authenticatedRoute(deps.authenticator, async (_req, res, params, user) => {
      const id = params['id'] ?? '';
      if (!/^\d{1,12}$/.test(id)) {
        sendError(res, 400, TerminalErrorCode.RecordingNotFound, `a recording is named by its audit entry's number, got "${id}"`);
        return;
      }
      await sendRecording(deps.dataDir, Number(id), user, res);
    }),
  );

  host.onWebSocket<Admitted>(
    TERMINAL_PATH,
    (ws, req, admitted) => {
      ws.on('error', (err) => log.debug({ err }, 'terminal websocket error'));
      void runTerminalSession(ws, { ...admitted, remoteAddress: req.socket.remoteAddress ?? 'unknown' }, { opener: deps.opener, key, settings: admitted.settings, dataDir: deps.dataDir, log }).catch((err: Error) => {
        log.error({ err }, 'web terminal failed');
        ws.close(1011);
      });
    },
    async (req) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      const cols = Number(query.get('cols') ?? '80');
      const rows = Number(query.get('rows') ?? '24');
      if (!validSize(cols, rows)) throw new HttpError(400, TerminalErrorCode.BadMessage, `cols and rows must be whole numbers of a sensible terminal size, got ${cols}x${rows}`);
      const grant = tickets.redeem(query.get('ticket') ?? '');
      if (grant === null) throw new HttpError(401, TerminalErrorCode.BadTicket, 'the terminal ticket is unknown, used or expired; open the terminal again from the device page');
      // The user may have been removed, or the token rotated, since the ticket was issued.
      const user = await registry.users.authenticate(grant.token);
      if (user === null) throw new HttpError(401, TerminalErrorCode.BadTicket, `the API token of ${grant.user} was rotated or the user removed; log in again`);
      // A fleet or device may run its sshd elsewhere than the server's default (`fleet terminal`).
      const login = await registry.terminalLogins.forDevice(grant.deviceUuid);
      const settings = { ...deps.settings, sshPort: login.sshPort ?? deps.settings.sshPort, sshUser: login.sshUser ?? deps.settings.sshUser };
      return { user, token: grant.token, deviceUuid: grant.deviceUuid, cols, rows, settings };
    },
  );
}
