/** For tools and tests that read a server's data directory: the registry, as the server sees it. */
export { openRegistry, type Registry, type AuditRecord, type UserRecord, type DeviceRecord } from './registry/index.js';
/** The registry a cluster node is pointed at: PostgreSQL by URL, else the data directory's SQLite. */
export { openConfiguredRegistry } from './registry/open-configured.js';
export { TunnelServer, defaultServerSettings, type ServerSettings } from './server.js';
/** One entry as `tunnel-server audit --json` prints it. */
export type { AuditView } from './views/audit-view.js';
