import type { IssuedToken, UserRecord } from '../registry/types.js';

/** A user as admin commands print it; never a token hash. */
export interface UserView {
  name: string;
  role: string;
  createdAt: string;
}

export function userView(u: UserRecord): UserView {
  return { name: u.name, role: u.role, createdAt: new Date(u.createdAt).toISOString() };
}

/** The one moment a token is shown: the new token with its user. */
export function issuedTokenView(issued: IssuedToken): UserView & { token: string } {
  return { ...userView(issued.user), token: issued.token };
}
