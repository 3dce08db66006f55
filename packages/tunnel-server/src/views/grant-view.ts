import type { GrantScope, SupportGrantRecord } from '../registry/types.js';

export interface GrantView {
  id: number;
  scope: GrantScope;
  ports: number[];
  state: 'active' | 'expired' | 'revoked';
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export function grantView(g: SupportGrantRecord, now: number): GrantView {
  return {
    id: g.id,
    scope: g.scope,
    ports: g.ports,
    state: g.revokedAt !== null ? 'revoked' : g.expiresAt <= now ? 'expired' : 'active',
    createdBy: g.createdBy,
    createdAt: new Date(g.createdAt).toISOString(),
    expiresAt: new Date(g.expiresAt).toISOString(),
    revokedAt: g.revokedAt === null ? null : new Date(g.revokedAt).toISOString(),
  };
}

export function scopeText(scope: GrantScope, shortUuid = false): string {
  return scope.kind === 'device' ? `device ${shortUuid ? scope.deviceUuid.slice(0, 7) : scope.deviceUuid}` : `fleet ${scope.fleet}`;
}
