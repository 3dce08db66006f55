/** For tools and tests that reach devices from code rather than the command line. */
export { UserSession, type UserSessionOptions } from './developer/user-session.js';
export { loggedInConnection, resolveConnection, type ServerConnection } from './developer/connection-settings.js';
export { lookupDevice, type RemoteDevice } from './developer/device-lookup.js';
/** The device side, for tools that hold many device sessions from one process (the bench's simulator). */
export { Agent, type AgentSettings } from './agent/agent.js';
export { dialDevice } from './agent/connect.js';
export type { DialOptions } from './net/websocket-dial.js';
export { deviceHandshake, type DeviceHandshakeParams, type DeviceHandshakeResult } from './agent/device-handshake.js';
export { readConfigFile, resolveDeviceConfig, type DeviceConfig, type RawConfig } from './agent/device-config.js';
export { DIRECT, loadProxyConfig, type ProxyConfig } from './net/proxy-config.js';
