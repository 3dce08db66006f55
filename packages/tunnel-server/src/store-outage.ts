import { errorCode } from '@tunnel/protocol/errors';
import { PresenceErrorCode } from './presence/errors.js';
import { RegistryErrorCode } from './registry/errors.js';

/** What a client is told when a node cannot reach a store it shares with the cluster. */
export interface StoreOutage {
  code: typeof RegistryErrorCode.Unreachable | typeof PresenceErrorCode.Unreachable;
  message: string;
}

/**
 * Names the store behind a failure, for the client's answer, when the failure is that the registry
 * (PostgreSQL) or presence (Redis) does not answer; undefined for any other failure. Connections
 * a node already holds need neither store to carry bytes, so the answer says they go on; the
 * store's address stays in the server's log, not in what clients see.
 */
export function storeOutage(err: unknown): StoreOutage | undefined {
  const code = errorCode(err);
  const [store, checks] =
    code === RegistryErrorCode.Unreachable ? ['registry (PostgreSQL)', 'devices, logins and access'] : code === PresenceErrorCode.Unreachable ? ['presence store (Redis)', 'where devices are connected'] : [];
  if (code === undefined || store === undefined) return undefined;
  return {
    code: code as StoreOutage['code'],
    message: `the server cannot reach its ${store} just now, so it cannot check ${checks} for a new connection; connections already open keep working; try again shortly`,
  };
}
