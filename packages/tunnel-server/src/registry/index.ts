export * from './types.js';
export { RegistryError, RegistryErrorCode } from './errors.js';
export { MIN_UUID_PREFIX, checkRole, isDeviceUuid, newDeviceUuid } from './validate.js';
export { TOKEN_PREFIX } from './tokens.js';
export { SCHEMA_VERSION } from './sqlite/migrations.js';
export {
  DEFAULT_BUSY_TIMEOUT_MS,
  REGISTRY_FILE,
  SqliteRegistry,
  openRegistry,
  type OpenRegistryOptions,
  type SqliteRegistryOptions,
} from './sqlite/registry.js';
