import { hostname, userInfo } from 'node:os';
import type { Registry } from '../registry/types.js';

/** The admin actions the audit log records, as its `action` field names them. */
export type AdminAction =
  | 'device-add'
  | 'device-remove'
  | 'user-add'
  | 'user-remove'
  | 'token-create'
  | 'fleet-member-add'
  | 'fleet-member-remove'
  | 'support-enable'
  | 'support-disable';

/**
 * Who runs an admin command: the person behind sudo when there is one, else the login. Admin
 * commands run on a server host (they need its data directory or registry URL), so the host's
 * own accounts are what names people there.
 */
export function adminActor(): string {
  return process.env['SUDO_USER'] ?? process.env['USER'] ?? userInfo().username;
}

/**
 * Records one admin action, done and ok, through the same audit writer as streams; `subject`
 * says what it was done to. Called after the change succeeded, in the same registry.
 */
export async function auditAdminAction(registry: Registry, action: AdminAction, subject: string, options: { deviceUuid?: string; actor?: string } = {}): Promise<void> {
  const id = await registry.audit.start({
    kind: 'admin',
    user: options.actor ?? adminActor(),
    deviceUuid: options.deviceUuid ?? '',
    targetHost: '',
    targetPort: 0,
    action,
    subject,
    sourceAddress: hostname(),
  });
  await registry.audit.finish(id, { bytesUp: 0, bytesDown: 0, result: 'ok' });
}
