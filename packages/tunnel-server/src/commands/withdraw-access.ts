import { AccessEvents } from '../cluster/access-events.js';
import type { Registry } from '../registry/types.js';
import type { StateFlags } from './options.js';
import { withRegistry } from './with-registry.js';

/**
 * Runs a change that takes access away, then, in a cluster (--presence), tells every node so they
 * cut the streams it ends now rather than at their next poll. The change is already saved when
 * the announcement fails, and nodes still poll every second: a warning, not a failed command.
 */
export async function withdrawAccess<T>(flags: StateFlags, what: string, change: (registry: Registry) => Promise<T>): Promise<T> {
  const result = await withRegistry(flags, change);
  if (flags.presence !== undefined) {
    await AccessEvents.announce(flags.presence, what).catch((err: Error) =>
      process.stderr.write(`warning: saved, but could not tell the running nodes (${err.message}); they notice within a second by polling\n`),
    );
  }
  return result;
}
