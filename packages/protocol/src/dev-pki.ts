export { DEV_PKI_FILES, ensureDevPki } from './trust/dev-pki-store.js';
export { type CertificateAndKey, createDevCa, createServerCertificate } from './trust/dev-pki.js';
