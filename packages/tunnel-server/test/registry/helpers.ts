import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { errorCode } from '@tunnel/protocol/errors';
import { existsSync, readFileSync } from 'node:fs';
import { REGISTRY_FILE, SqliteRegistry, type Registry, type SqliteRegistryOptions } from '../../src/registry/index.js';
import { PgRegistry } from '../../src/registry/postgres/registry.js';
import { dropSchema, schemaDump, TEST_POSTGRES_URL, uniqueName } from '../backends.js';

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

/** What the contract suite sees of a registry, whatever its backend. */
export interface ContractFixture {
  readonly backend: 'sqlite' | 'postgres';
  /** The registry of the current test, on a fresh file or a fresh PostgreSQL schema. */
  readonly registry: Registry;
  readonly clock: ManualClock;
  /** Another instance on the same store, as a second process or node would open it. */
  open(): Promise<Registry>;
  /** Everything the store keeps, as bytes: what a stolen copy of it would give away. */
  storedBytes(): Promise<Buffer>;
}

interface Backend {
  name: ContractFixture['backend'];
  setUp(clock: ManualClock): Promise<{ open(): Promise<Registry>; storedBytes(): Promise<Buffer>; tearDown(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async setUp(clock) {
      const dir = mkdtempSync(join(tmpdir(), 'registry-test-'));
      const file = join(dir, REGISTRY_FILE);
      return {
        open: async () => SqliteRegistry.open(file, { now: clock.now }),
        // Committed pages may still sit in the write-ahead log, so both files are read.
        storedBytes: async () => Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f))),
        tearDown: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async setUp(clock) {
      const schema = uniqueName('registry_test');
      return {
        open: async () => PgRegistry.open(TEST_POSTGRES_URL, { schema, now: clock.now }),
        storedBytes: () => schemaDump(schema),
        tearDown: () => dropSchema(schema),
      };
    },
  },
];

/**
 * The contract suite: `body` runs once per backend, each test on a fresh store that is removed
 * afterwards, so SQLite and PostgreSQL answer every call the same way or a test fails.
 */
export function describeRegistry(title: string, body: (fx: ContractFixture) => void): void {
  for (const backend of BACKENDS) {
    describe(`registry (${backend.name}): ${title}`, () => {
      let state: { registry: Registry; clock: ManualClock; opened: Registry[]; store: Awaited<ReturnType<Backend['setUp']>> } | undefined;
      const current = () => {
        if (state === undefined) throw new Error('describeRegistry() fixtures are only available inside a test');
        return state;
      };
      beforeEach(async () => {
        const clock = new ManualClock();
        const store = await backend.setUp(clock);
        const registry = await store.open();
        state = { registry, clock, opened: [registry], store };
      });
      afterEach(async () => {
        const { opened, store } = current();
        for (const r of opened) await r.close();
        await store.tearDown();
        state = undefined;
      });
      body({
        backend: backend.name,
        get registry() {
          return current().registry;
        },
        get clock() {
          return current().clock;
        },
        async open() {
          const s = current();
          const r = await s.store.open();
          s.opened.push(r);
          return r;
        },
        storedBytes: () => current().store.storedBytes(),
      });
    });
  }
}
