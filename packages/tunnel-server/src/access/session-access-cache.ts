import type { DeviceRecord, Registry, UserRecord } from '../registry/types.js';
import type { AccessDecision, AccessTarget } from './authorize.js';

type Allowed = Extract<AccessDecision, { allowed: true }>;

/** A session naming more devices or targets than this starts over, so its memory stays bounded. */
const MAX_ENTRIES = 1024;

/**
 * What one user session's opens read from the registry (its token's owner, the devices it named,
 * the targets authorize() allowed), kept while the registry's access marker stays the same: a
 * developer's second and later connections skip the token hash and three registry reads. Any
 * change to users, tokens, fleets, grants or devices, in this process or in an admin command,
 * changes the marker, and the next open forgets everything before it reads; so a user removed,
 * a token rotated or a grant revoked is refused on the very next open, as without the cache.
 * Only answers that let someone in are kept (a refusal reads again), and a support grant's
 * answer only until the grant expires. Live streams are re-checked without it (recheck()).
 */
export class SessionAccessCache {
  private marker: string | undefined;
  /**
   * Counts forget()s. An answer is kept only if no forget() came between its read and its
   * keeping: opens interleave at every await, and an answer read before a change, kept after
   * another open saw the change, would otherwise stand under the new marker.
   */
  private generation = 0;
  private user: UserRecord | undefined;
  private readonly devices = new Map<string, DeviceRecord>();
  private readonly allowed = new Map<string, Allowed>();

  constructor(
    private readonly registry: Registry,
    private readonly token: string,
  ) {}

  /** Starts an open: forgets what the registry may since have changed, then names the token's owner. */
  async authenticate(): Promise<UserRecord | null> {
    const marker = await this.registry.accessMarker();
    if (marker === undefined || marker !== this.marker) this.forget();
    this.marker = marker;
    if (this.user !== undefined) return this.user;
    const generation = this.generation;
    const user = await this.registry.users.authenticate(this.token);
    if (user !== null && this.keeps(generation)) this.user = user;
    return user;
  }

  async device(ref: string, resolve: () => Promise<DeviceRecord>): Promise<DeviceRecord> {
    const known = this.devices.get(ref);
    if (known !== undefined) return known;
    const generation = this.generation;
    const device = await resolve();
    if (this.devices.size >= MAX_ENTRIES) this.devices.clear();
    if (this.keeps(generation)) this.devices.set(ref, device);
    return device;
  }

  async decision(device: DeviceRecord, target: AccessTarget, now: number, decide: () => Promise<AccessDecision>): Promise<AccessDecision> {
    const key = `${device.uuid} ${target.host} ${target.port}`;
    const known = this.allowed.get(key);
    if (known !== undefined && (known.until === undefined || now < known.until)) return known;
    const generation = this.generation;
    const decision = await decide();
    if (this.allowed.size >= MAX_ENTRIES) this.allowed.clear();
    if (decision.allowed && this.keeps(generation)) this.allowed.set(key, decision);
    else this.allowed.delete(key);
    return decision;
  }

  /** Whether an answer read at `generation` may be kept: the registry can tell changes, and none was seen since. */
  private keeps(generation: number): boolean {
    return this.marker !== undefined && generation === this.generation;
  }

  private forget(): void {
    this.generation += 1;
    this.user = undefined;
    this.devices.clear();
    this.allowed.clear();
  }
}
