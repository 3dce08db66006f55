import type { AccessPath, AuditKind, AuditRecord } from '../registry/types.js';

export interface AuditView {
  id: number;
  kind: AuditKind;
  /** A stream's user, or the admin who acted. */
  user: string;
  /** Empty for an admin action on no device. */
  device: string;
  /** host:port of a stream; empty for an admin action. */
  target: string;
  /** An admin action ("user-add", "grant-create", ...) and what it was done to. */
  action: string | null;
  subject: string | null;
  /** Where the request came from, and which way in (tunnel, proxy-command, connect, proxy-request, terminal); null for entries older than these fields. */
  source: string | null;
  via: AccessPath | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  bytesUp: number;
  bytesDown: number;
  result: string | null;
}

export function auditView(a: AuditRecord): AuditView {
  return {
    id: a.id,
    kind: a.kind,
    user: a.user,
    device: a.deviceUuid,
    target: a.kind === 'admin' ? '' : `${a.targetHost}:${a.targetPort}`,
    action: a.action,
    subject: a.subject,
    source: a.sourceAddress,
    via: a.accessPath,
    startedAt: new Date(a.startedAt).toISOString(),
    endedAt: a.endedAt === null ? null : new Date(a.endedAt).toISOString(),
    durationMs: a.endedAt === null ? null : a.endedAt - a.startedAt,
    bytesUp: a.bytesUp,
    bytesDown: a.bytesDown,
    result: a.result,
  };
}

/** The TARGET column of `tunnel-server audit`: a stream's target, or what an admin did. */
export function auditWhat(a: AuditView): string {
  return a.kind === 'admin' ? [a.action, a.subject].filter(Boolean).join(' ') : a.target;
}
