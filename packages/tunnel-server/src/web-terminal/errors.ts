/** Stable codes of the web terminal, sent to the browser and written to the log. */
export const TerminalErrorCode = {
  /** The WebSocket's ticket is unknown, used or expired. */
  BadTicket: 'ERR_TERMINAL_TICKET',
  /** The device's sshd refused the server's key. */
  SshAuth: 'ERR_TERMINAL_SSH_AUTH',
  /** The SSH connection failed or broke for another reason. */
  Ssh: 'ERR_TERMINAL_SSH',
  /** Access ended while the session ran (a support grant expired or was revoked, a user removed). */
  AccessEnded: 'ERR_TERMINAL_ACCESS_ENDED',
  /** The browser sent something that is not a terminal message. */
  BadMessage: 'ERR_TERMINAL_BAD_MESSAGE',
  /** No such recording, or not one this user may play. */
  RecordingNotFound: 'ERR_RECORDING_NOT_FOUND',
} as const;

export type TerminalErrorCode = (typeof TerminalErrorCode)[keyof typeof TerminalErrorCode];
