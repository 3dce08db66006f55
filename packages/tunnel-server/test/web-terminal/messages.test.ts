import { expect } from 'chai';
import { parseClientMessage } from '../../src/web-terminal/messages.js';
import { TerminalTickets, TICKET_TTL_MS } from '../../src/web-terminal/tickets.js';

describe('web terminal messages and tickets', () => {
  it('takes input and sane resizes, and says what is wrong with anything else', () => {
    expect(parseClientMessage('{"type":"input","data":"ls\\r"}')).to.deep.equal({ type: 'input', data: 'ls\r' });
    expect(parseClientMessage('{"type":"resize","cols":120,"rows":40}')).to.deep.equal({ type: 'resize', cols: 120, rows: 40 });
    expect(parseClientMessage('not json')).to.equal('a terminal message must be JSON');
    expect(parseClientMessage('{"type":"resize","cols":0,"rows":40}')).to.match(/whole cols 2-1000 and rows 2-500/);
    expect(parseClientMessage('{"type":"resize","cols":1.5,"rows":40}')).to.match(/whole cols/);
    expect(parseClientMessage('{"type":"exec","cmd":"rm"}')).to.match(/expected \{"type":"input"/);
  });

  it('redeems a ticket once, and never after it expired', () => {
    const tickets = new TerminalTickets();
    const grant = { user: 'operator', token: 'tok', deviceUuid: 'ab'.repeat(16) };
    const ticket = tickets.issue(grant, 1_000);
    expect(ticket).to.match(/^[A-Za-z0-9_-]{32}$/);
    expect(tickets.redeem(ticket, 2_000)).to.deep.equal(grant);
    expect(tickets.redeem(ticket, 2_000), 'used').to.equal(null);
    const late = tickets.issue(grant, 1_000);
    expect(tickets.redeem(late, 1_000 + TICKET_TTL_MS)).to.equal(null);
    expect(tickets.redeem('made-up', 1_000)).to.equal(null);
  });
});
