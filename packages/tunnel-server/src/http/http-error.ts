import { CodedError } from '@tunnel/protocol';

/** An error that already knows its HTTP answer: status, stable code, message, extra headers. */
export class HttpError extends CodedError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}
