/** Failures only a diagnosis finds (every other check reports the code of what it ran). */
export const DiagnoseErrorCode = {
  /** The device clock is off the server's by more than TLS and signatures tolerate. */
  ClockOffset: 'ERR_CLOCK_OFFSET',
  /** A ping through the authenticated session got no answer. */
  RoundTripTimeout: 'ERR_ROUND_TRIP_TIMEOUT',
} as const;
