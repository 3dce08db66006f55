/**
 * Every error that crosses a module boundary carries a stable `code`, so logs, tests and users
 * can match on it without parsing messages (the convention of Node core and `ws`).
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Command-line and config values shared by every program. */
export const ArgumentErrorCode = {
  InvalidDuration: 'ERR_INVALID_DURATION',
} as const;

export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
