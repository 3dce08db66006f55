/** config.json (and its TUNNEL_* overrides) cannot be used as it is. */
export const ConfigErrorCode = {
  Unreadable: 'ERR_CONFIG_UNREADABLE',
  NotJson: 'ERR_CONFIG_NOT_JSON',
  Missing: 'ERR_CONFIG_MISSING',
  Invalid: 'ERR_CONFIG_INVALID',
  UnknownKey: 'ERR_CONFIG_UNKNOWN_KEY',
} as const;

export const AgentErrorCode = {
  /** The server answered the WebSocket upgrade with an HTTP status instead. */
  ConnectHttp: 'ERR_CONNECT_HTTP',
  HeartbeatResponse: 'ERR_HEARTBEAT_RESPONSE',
  HeartbeatHttp: 'ERR_HEARTBEAT_HTTP',
  HeartbeatTimeout: 'ERR_HEARTBEAT_TIMEOUT',
  /** A heartbeat failed without a code of its own. */
  Heartbeat: 'ERR_HEARTBEAT',
} as const;

/** The agent's local control socket (state for diagnose, "retry now"). */
export const ControlErrorCode = {
  /** Another agent with the same config serves the socket already. */
  InUse: 'ERR_CONTROL_SOCKET_IN_USE',
  Timeout: 'ERR_CONTROL_TIMEOUT',
  Protocol: 'ERR_CONTROL_PROTOCOL',
} as const;
