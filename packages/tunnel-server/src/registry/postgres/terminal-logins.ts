import { changedTerminalLogin, mergeTerminalLogins, TERMINAL_LOGIN_OF_DEVICE, TERMINAL_LOGIN_SELECT, type TerminalLoginRow } from '../rows.js';
import type { GrantScope, TerminalLogin, TerminalLoginRegistry } from '../types.js';
import type { PgConnection, Queryable } from './connection.js';
import { scopeKeys } from './lookup.js';

export class PgTerminalLogins implements TerminalLoginRegistry {
  constructor(private readonly db: PgConnection) {}

  async get(scope: GrantScope): Promise<TerminalLogin> {
    return own(this.db, scope);
  }

  async set(scope: GrantScope, changes: Partial<TerminalLogin>): Promise<TerminalLogin> {
    return this.db.transaction(async (tx) => {
      const login = changedTerminalLogin(await own(tx, scope), changes);
      const [device, fleet] = await scopeKeys(tx, scope);
      await tx.run('DELETE FROM terminal_logins WHERE device_uuid IS NOT DISTINCT FROM $1::text AND fleet_id IS NOT DISTINCT FROM $2::bigint', [device, fleet]);
      if (login.sshPort !== null || login.sshUser !== null) {
        await tx.run('INSERT INTO terminal_logins (device_uuid, fleet_id, ssh_port, ssh_user) VALUES ($1, $2, $3, $4)', [device, fleet, login.sshPort, login.sshUser]);
      }
      return login;
    }, 'terminal_logins');
  }

  async forDevice(deviceUuid: string): Promise<TerminalLogin> {
    return mergeTerminalLogins(await this.db.rows<TerminalLoginRow>(`${TERMINAL_LOGIN_SELECT} WHERE ${TERMINAL_LOGIN_OF_DEVICE}`, { device: deviceUuid }));
  }
}

async function own(db: Queryable, scope: GrantScope): Promise<TerminalLogin> {
  const [device, fleet] = await scopeKeys(db, scope);
  return mergeTerminalLogins(
    await db.rows<TerminalLoginRow>(`${TERMINAL_LOGIN_SELECT} WHERE t.device_uuid IS NOT DISTINCT FROM $1::text AND t.fleet_id IS NOT DISTINCT FROM $2::bigint`, [device, fleet]),
  );
}
