import { openRegistry, type AuditRecord } from 'tunnel-server';

/** The audit log of a server's data directory, newest first, as another process sees it. */
export async function auditLog(dataDir: string): Promise<AuditRecord[]> {
  const registry = await openRegistry({ dataDir, create: false });
  try {
    return await registry.audit.query({ limit: 1000 });
  } finally {
    await registry.close();
  }
}
