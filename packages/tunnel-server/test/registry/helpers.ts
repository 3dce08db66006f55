import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { errorCode } from '@tunnel/protocol';
import { REGISTRY_FILE, SqliteRegistry, type SqliteRegistryOptions } from '../../src/registry/index.js';

/** A clock the test moves by hand, starting at a fixed, readable moment. */
export class ManualClock {
  t = Date.UTC(2026, 10, 22, 10, 0, 0);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface RegistryFixture {
  /** The registry of the current test, on a fresh file in its own temp directory. */
  readonly registry: SqliteRegistry;
  readonly dir: string;
  readonly file: string;
  readonly clock: ManualClock;
  /** Another instance on the same file, closed after the test, as a second process would open it. */
  open(options?: SqliteRegistryOptions): SqliteRegistry;
}

/** Sets up a registry on a real file before each test of the calling suite and removes it after. */
export function useRegistry(): RegistryFixture {
  let state: { registry: SqliteRegistry; dir: string; clock: ManualClock; extra: SqliteRegistry[] } | undefined;
  const current = () => {
    if (state === undefined) throw new Error('useRegistry() is only available inside a test');
    return state;
  };
  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-test-'));
    const clock = new ManualClock();
    state = { registry: SqliteRegistry.open(join(dir, REGISTRY_FILE), { now: clock.now }), dir, clock, extra: [] };
  });
  afterEach(async () => {
    const { registry, dir, extra } = current();
    for (const r of [registry, ...extra]) await r.close();
    rmSync(dir, { recursive: true, force: true });
    state = undefined;
  });
  return {
    get registry() {
      return current().registry;
    },
    get dir() {
      return current().dir;
    },
    get file() {
      return join(current().dir, REGISTRY_FILE);
    },
    get clock() {
      return current().clock;
    },
    open(options = {}) {
      const s = current();
      const r = SqliteRegistry.open(join(s.dir, REGISTRY_FILE), { now: s.clock.now, ...options });
      s.extra.push(r);
      return r;
    },
  };
}

/** A stand-in for a device's Ed25519 public key; the registry treats it as opaque text. */
export function fakePublicKey(): string {
  return `ed25519:${randomBytes(32).toString('base64')}`;
}

/** Asserts that `promise` rejects with `code` and a message containing each of `mentions`. */
export async function expectCode(promise: Promise<unknown>, code: string, ...mentions: string[]): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a rejection with ${code}`).to.be.instanceOf(Error);
  expect(errorCode(caught)).to.equal(code);
  for (const m of mentions) expect((caught as Error).message).to.contain(m);
  return caught as Error;
}

export const HOUR = 3_600_000;
