import { CodedError } from '@tunnel/protocol/errors';
import { TokenInputErrorCode } from './developer-errors.js';

/** Reads everything a pipe or file gives (`tunnel-client login < token.txt`). */
async function readAll(input: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks on the terminal without echoing what is typed; Ctrl-C aborts. */
function prompt(input: NodeJS.ReadStream, output: NodeJS.WriteStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    input.setRawMode(true);
    input.resume();
    let typed = '';
    const done = (err?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      output.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (data: Buffer): void => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new CodedError(TokenInputErrorCode.Aborted, 'aborted'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The API token for login, from a prompt on a terminal or from standard input otherwise, so it
 * never sits in argv where `ps` and shell history would show it.
 */
export async function readToken(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<string> {
  const text = input.isTTY ? await prompt(input, output, 'API token: ') : await readAll(input);
  const token = text.trim();
  if (token === '') throw new CodedError(TokenInputErrorCode.Empty, 'no API token given: type it at the prompt, or pipe it in (tunnel-client login --server URL < token-file)');
  return token;
}
