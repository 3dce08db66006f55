import { errorCode } from '@tunnel/protocol/errors';
import { OPEN_REFUSALS, OpenError } from '@tunnel/protocol/tunnel';

/** "connection refused on the device (connection refused by 127.0.0.1:22222 …)" */
export function describeFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof OpenError ? `${OPEN_REFUSALS[err.result].cause} (${message})` : message;
}

/** " [ERR_OPEN_CONNECTION_REFUSED]", or nothing for an error without a code. */
export function codeSuffix(err: unknown): string {
  const code = errorCode(err);
  return code ? ` [${code}]` : '';
}

/** 512 B, 3.1 KiB, 50.0 MiB, 1.00 GiB */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
