import { expect } from 'chai';
import { LOG_FIELDS, PINO_FIELDS } from '@tunnel/protocol/log';
import type { LogLine } from './processes.js';

const KNOWN = new Set<string>([...LOG_FIELDS, ...PINO_FIELDS]);

/**
 * Every line follows the log schema (protocol's log-fields.ts): only its field names, a full
 * uuid, and `err` written as an Error (message and stack), never as a bare string.
 */
export function expectLogSchema(lines: readonly LogLine[], who: string): void {
  expect(lines.length, `${who} logged nothing`).to.be.greaterThan(0);
  for (const line of lines) {
    const unknown = Object.keys(line).filter((key) => !KNOWN.has(key));
    expect(unknown, `${who}: fields outside the log schema in ${JSON.stringify(line)}`).to.deep.equal([]);
    if ('uuid' in line) expect(line['uuid'], `${who}: ${JSON.stringify(line)}`).to.match(/^[0-9a-f]{32}$/);
    if ('err' in line) {
      const err = line['err'] as { message?: unknown; stack?: unknown };
      expect(err, `${who}: err must be an Error in ${JSON.stringify(line)}`).to.be.an('object');
      expect(err.message, `${who}: ${JSON.stringify(line)}`).to.be.a('string');
      expect(err.stack, `${who}: ${JSON.stringify(line)}`).to.be.a('string');
    }
  }
}
