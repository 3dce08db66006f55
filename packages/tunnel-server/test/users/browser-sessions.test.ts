import { expect } from 'chai';
import { deviceSigner } from '@tunnel/protocol/auth';
import { BrowserSessions, SESSION_COOKIE } from '../../src/users/browser-sessions.js';

const MINUTE = 60_000;

function cookieHeader(setCookie: string): { cookie: string } {
  return { cookie: setCookie.split(';')[0]! };
}

describe('dashboard sessions (cookie)', () => {
  let t = 0;
  const now = (): number => t;
  const identity = deviceSigner('an identity key for the tests only');

  beforeEach(() => (t = Date.UTC(2026, 0, 1)));

  it('holds the token sealed, with HttpOnly, Secure and SameSite=Strict, for 15 idle minutes at most', () => {
    const sessions = new BrowserSessions(identity, undefined, now);
    const session = sessions.create('tnl_secret');
    const set = sessions.setCookie(session);
    expect(set).to.match(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]+; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict$`));
    expect(set).to.not.contain('tnl_secret');
    expect(sessions.read(cookieHeader(set))).to.deep.equal(session);
    t += 15 * MINUTE;
    expect(sessions.read(cookieHeader(set)), 'idle for 15 minutes').to.equal(null);
  });

  it('restarts the idle clock when used, but ends 8 hours after login whatever happens', () => {
    const sessions = new BrowserSessions(identity, undefined, now);
    let cookie = sessions.setCookie(sessions.create('tnl_secret'));
    for (let i = 0; i < 8 * 6; i++) {
      t += 10 * MINUTE;
      const session = sessions.read(cookieHeader(cookie));
      if (i < 47) expect(session, `after ${(i + 1) * 10} min`).to.not.equal(null);
      else expect(session, 'after 8 h').to.equal(null);
      const renewed = session && sessions.touch(session);
      if (renewed) cookie = sessions.setCookie(renewed);
    }
  });

  it('refuses a cookie another server sealed, or one that was tampered with', () => {
    const ours = new BrowserSessions(identity, undefined, now);
    const theirs = new BrowserSessions(deviceSigner('another identity key entirely'), undefined, now);
    const set = theirs.setCookie(theirs.create('tnl_secret'));
    expect(ours.read(cookieHeader(set))).to.equal(null);
    const mine = cookieHeader(ours.setCookie(ours.create('tnl_secret'))).cookie;
    const flipped = mine.slice(0, -2) + (mine.endsWith('A') ? 'B' : 'A') + mine.slice(-1);
    expect(ours.read({ cookie: flipped })).to.equal(null);
  });

  it('matches the CSRF header only to its own session', () => {
    const sessions = new BrowserSessions(identity, undefined, now);
    const session = sessions.create('tnl_secret');
    expect(BrowserSessions.csrfMatches(session, { 'x-csrf-token': session.csrf })).to.equal(true);
    expect(BrowserSessions.csrfMatches(session, {})).to.equal(false);
    expect(BrowserSessions.csrfMatches(session, { 'x-csrf-token': sessions.create('tnl_secret').csrf })).to.equal(false);
  });
});
