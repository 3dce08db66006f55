export { SecureChannelError, SecureChannelErrorCode } from './channel-errors.js';
export { createKeyShare, deriveSessionKeys, type KeyShare, type SessionKeys } from './key-exchange.js';
export { MAX_RECORD_BYTES, SecureDuplex } from './secure-duplex.js';
export { tlsExporter } from './tls-exporter.js';
