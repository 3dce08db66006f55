import { changedTerminalLogin, mergeTerminalLogins, TERMINAL_LOGIN_OF_DEVICE, TERMINAL_LOGIN_SELECT, type TerminalLoginRow } from '../rows.js';
import type { GrantScope, TerminalLogin, TerminalLoginRegistry } from '../types.js';
import type { Connection } from './connection.js';
import { scopeKeys } from './lookup.js';

export class SqliteTerminalLogins implements TerminalLoginRegistry {
  constructor(private readonly db: Connection) {}

  async get(scope: GrantScope): Promise<TerminalLogin> {
    return this.own(scope);
  }

  async set(scope: GrantScope, changes: Partial<TerminalLogin>): Promise<TerminalLogin> {
    return this.db.write(() => {
      const login = changedTerminalLogin(this.own(scope), changes);
      const [device, fleet] = scopeKeys(this.db, scope);
      this.db.run('DELETE FROM terminal_logins WHERE device_uuid IS ? AND fleet_id IS ?', [device, fleet]);
      if (login.sshPort !== null || login.sshUser !== null) {
        this.db.run('INSERT INTO terminal_logins (device_uuid, fleet_id, ssh_port, ssh_user) VALUES (?, ?, ?, ?)', [device, fleet, login.sshPort, login.sshUser]);
      }
      return login;
    });
  }

  async forDevice(deviceUuid: string): Promise<TerminalLogin> {
    return mergeTerminalLogins(this.db.all<TerminalLoginRow>(`${TERMINAL_LOGIN_SELECT} WHERE ${TERMINAL_LOGIN_OF_DEVICE}`, { device: deviceUuid }));
  }

  private own(scope: GrantScope): TerminalLogin {
    const [device, fleet] = scopeKeys(this.db, scope);
    return mergeTerminalLogins(this.db.all<TerminalLoginRow>(`${TERMINAL_LOGIN_SELECT} WHERE t.device_uuid IS ? AND t.fleet_id IS ?`, [device, fleet]));
  }
}
