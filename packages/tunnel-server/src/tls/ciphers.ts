/**
 * TLS 1.2 suites the listener offers: ECDHE key exchange (forward secrecy) with AEAD ciphers
 * only. Node's default list also accepts static-RSA and CBC-SHA1 suites. TLS 1.3's suites (the
 * TLS_ names, all forward-secret AEAD) must be listed too: Node takes them from the same option.
 */
export const TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
].join(':');
