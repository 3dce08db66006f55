/** Why the WebSocket byte pipe failed. */
export const WebSocketErrorCode = {
  /** The peer sent a text message; the tunnel only carries binary. */
  TextMessage: 'ERR_WS_TEXT_MESSAGE',
  /** The WebSocket closed underneath the byte stream. */
  Closed: 'ERR_WS_CLOSED',
} as const;
