export const DataDirErrorCode = {
  /** The data directory has no identity key: it was never initialised (or is the wrong one). */
  IdentityMissing: 'ERR_DATA_IDENTITY_MISSING',
  /** The data directory has no development CA (the server uses the operator's certificate). */
  CaMissing: 'ERR_DATA_CA_MISSING',
} as const;
