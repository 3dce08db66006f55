/** For tools and tests that reach devices from code rather than the command line. */
export { UserSession, type UserSessionOptions } from './developer/user-session.js';
export { loggedInConnection, resolveConnection, type CreateConnection, type ServerConnection } from './developer/connection-settings.js';
export { lookupDevice, type RemoteDevice } from './developer/device-lookup.js';
