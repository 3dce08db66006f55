/** The server's config file (--config) cannot be used as it is. */
export const ServerConfigErrorCode = {
  Unreadable: 'ERR_CONFIG_UNREADABLE',
  Invalid: 'ERR_CONFIG_INVALID',
  UnknownKey: 'ERR_CONFIG_UNKNOWN_KEY',
} as const;

/** Admin commands' arguments that name nothing usable. */
export const CommandErrorCode = {
  InvalidEndpoint: 'ERR_INVALID_ENDPOINT',
  /** support enable needs exactly one of --device and --fleet. */
  SupportTarget: 'ERR_SUPPORT_TARGET',
  UnknownFleet: 'ERR_UNKNOWN_FLEET',
} as const;
