import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { TOKEN_PREFIX, checkRole } from '../../src/registry/index.js';
import { expectCode, describeRegistry } from './helpers.js';

describeRegistry('users and API tokens', (fx) => {
  it('creates a user and returns a token once, which authenticates', async () => {
    const { user, token } = await fx.registry.users.create('alice', 'developer');
    expect(user).to.deep.equal({ name: 'alice', role: 'developer', createdAt: fx.clock.t });
    expect(token.startsWith(TOKEN_PREFIX)).to.equal(true);
    expect(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')).to.have.length(32);
    expect(await fx.registry.users.authenticate(token)).to.deep.equal(user);
    expect(await fx.registry.users.get('alice')).to.deep.equal(user);
    expect(await fx.registry.users.get('bob')).to.equal(null);
  });

  it('refuses wrong, malformed and empty tokens', async () => {
    const { token } = await fx.registry.users.create('alice', 'admin');
    expect(await fx.registry.users.authenticate(`${token}x`)).to.equal(null);
    expect(await fx.registry.users.authenticate(token.slice(TOKEN_PREFIX.length))).to.equal(null);
    expect(await fx.registry.users.authenticate(TOKEN_PREFIX)).to.equal(null);
    expect(await fx.registry.users.authenticate('')).to.equal(null);
  });

  it('parses roles typed by people', () => {
    expect(checkRole('support')).to.equal('support');
    expect(() => checkRole('Admin')).to.throw('role "Admin" is not one of admin, developer, support');
  });

  it('refuses an invalid role or name and a duplicate name', async () => {
    await expectCode(fx.registry.users.create('alice', 'root' as 'admin'), 'ERR_REGISTRY_INVALID_ROLE', '"root"', 'admin, developer, support');
    await expectCode(fx.registry.users.create('a b', 'admin'), 'ERR_REGISTRY_INVALID_NAME', '"a b"');
    await fx.registry.users.create('alice', 'support');
    await expectCode(fx.registry.users.create('alice', 'admin'), 'ERR_REGISTRY_DUPLICATE_NAME', '"alice"');
  });

  it('lists users by name, without tokens', async () => {
    await fx.registry.users.create('carol', 'support');
    await fx.registry.users.create('alice@example.com', 'admin');
    const users = await fx.registry.users.list();
    expect(users.map((u) => u.name)).to.deep.equal(['alice@example.com', 'carol']);
    for (const u of users) expect(Object.keys(u).sort()).to.deep.equal(['createdAt', 'name', 'role']);
  });

  it('rotates a token: the new one works, the old one stops at once', async () => {
    const first = await fx.registry.users.create('alice', 'developer');
    fx.clock.advance(1000);
    const second = await fx.registry.users.rotateToken('alice');
    expect(second.token).to.not.equal(first.token);
    expect(second.user).to.deep.equal(first.user);
    expect(await fx.registry.users.authenticate(first.token)).to.equal(null);
    expect(await fx.registry.users.authenticate(second.token)).to.deep.equal(first.user);
    await expectCode(fx.registry.users.rotateToken('bob'), 'ERR_REGISTRY_NOT_FOUND', '"bob"');
  });

  it('changes a role', async () => {
    const { token } = await fx.registry.users.create('alice', 'developer');
    expect(await fx.registry.users.setRole('alice', 'support')).to.deep.include({ role: 'support' });
    expect(await fx.registry.users.authenticate(token)).to.deep.include({ role: 'support' });
    await expectCode(fx.registry.users.setRole('alice', 'boss' as 'admin'), 'ERR_REGISTRY_INVALID_ROLE', '"boss"');
    await expectCode(fx.registry.users.setRole('bob', 'admin'), 'ERR_REGISTRY_NOT_FOUND', '"bob"');
  });

  it('removes a user, whose token then fails', async () => {
    const { token } = await fx.registry.users.create('alice', 'developer');
    await fx.registry.users.remove('alice');
    expect(await fx.registry.users.authenticate(token)).to.equal(null);
    expect(await fx.registry.users.list()).to.deep.equal([]);
    await expectCode(fx.registry.users.remove('alice'), 'ERR_REGISTRY_NOT_FOUND', '"alice"');
  });

  it('stores tokens only as SHA-256 hashes', async () => {
    const tokens = [(await fx.registry.users.create('alice', 'admin')).token, (await fx.registry.users.rotateToken('alice')).token];
    tokens.push((await fx.registry.users.create('bob', 'developer')).token);
    const bytes = await fx.storedBytes();
    for (const token of tokens) {
      expect(bytes.includes(token), 'token in the database').to.equal(false);
      expect(bytes.includes(token.slice(TOKEN_PREFIX.length)), 'token body in the database').to.equal(false);
    }
    const currentHash = createHash('sha256').update(tokens[2] as string).digest('hex');
    expect(bytes.includes(currentHash), 'the hash is what is stored').to.equal(true);
  });
});
