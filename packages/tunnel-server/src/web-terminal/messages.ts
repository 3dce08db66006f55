/** What the browser's terminal page sends over its WebSocket (JSON text messages). */
export type ClientMessage = { type: 'input'; data: string } | { type: 'resize'; cols: number; rows: number };

/** What the server sends back. `end` is the last message: its code is absent when the shell just exited. */
export type ServerMessage =
  | { type: 'status'; message: string }
  | { type: 'ready'; device: string; user: string; recording: boolean }
  | { type: 'output'; data: string }
  | { type: 'end'; code?: string; message: string };

export const MIN_SIZE = 2;
export const MAX_COLS = 1000;
export const MAX_ROWS = 500;

export function validSize(cols: unknown, rows: unknown): boolean {
  return Number.isInteger(cols) && Number.isInteger(rows) && (cols as number) >= MIN_SIZE && (rows as number) >= MIN_SIZE && (cols as number) <= MAX_COLS && (rows as number) <= MAX_ROWS;
}

/** Parses one message from the browser; a description of what is wrong instead of a message. */
export function parseClientMessage(text: string): ClientMessage | string {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return 'a terminal message must be JSON';
  }
  const msg = m as Record<string, unknown>;
  if (msg['type'] === 'input' && typeof msg['data'] === 'string') return { type: 'input', data: msg['data'] };
  if (msg['type'] === 'resize') {
    if (!validSize(msg['cols'], msg['rows'])) return `a resize needs whole cols ${MIN_SIZE}-${MAX_COLS} and rows ${MIN_SIZE}-${MAX_ROWS}`;
    return { type: 'resize', cols: msg['cols'] as number, rows: msg['rows'] as number };
  }
  return 'expected {"type":"input","data":…} or {"type":"resize","cols":…,"rows":…}';
}
