import type { AuditRecord } from '../registry/types.js';

export interface AuditView {
  id: number;
  user: string;
  device: string;
  target: string;
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
    user: a.user,
    device: a.deviceUuid,
    target: `${a.targetHost}:${a.targetPort}`,
    startedAt: new Date(a.startedAt).toISOString(),
    endedAt: a.endedAt === null ? null : new Date(a.endedAt).toISOString(),
    durationMs: a.endedAt === null ? null : a.endedAt - a.startedAt,
    bytesUp: a.bytesUp,
    bytesDown: a.bytesDown,
    result: a.result,
  };
}
