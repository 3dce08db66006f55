import { randomBytes } from 'node:crypto';

/** Who may open which device's terminal with a ticket. */
export interface TicketGrant {
  user: string;
  /** The API token the ticket was asked with: the terminal lives only as long as it is valid. */
  token: string;
  deviceUuid: string;
}

/** How long a ticket waits for its WebSocket. */
export const TICKET_TTL_MS = 30_000;

/**
 * One-use tickets for the terminal's WebSocket. A browser cannot put the API token in a
 * WebSocket's headers, and a token in a URL ends up in logs and history; so the page asks for a
 * ticket with its token (an ordinary API call) and opens the socket with that, once, soon.
 */
export class TerminalTickets {
  private readonly tickets = new Map<string, TicketGrant & { expiresAt: number }>();

  issue(grant: TicketGrant, now = Date.now()): string {
    for (const [key, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(key);
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { ...grant, expiresAt: now + TICKET_TTL_MS });
    return ticket;
  }

  /** The ticket's grant, once; null when unknown, used or expired. */
  redeem(ticket: string, now = Date.now()): TicketGrant | null {
    const t = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!t || t.expiresAt <= now) return null;
    return { user: t.user, token: t.token, deviceUuid: t.deviceUuid };
  }
}
