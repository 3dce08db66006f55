/** A device reference (uuid, unique prefix or name) that names no device, or several. */
export const DeviceRefErrorCode = {
  Unknown: 'ERR_UNKNOWN_DEVICE',
  Ambiguous: 'ERR_AMBIGUOUS_DEVICE',
} as const;
