export { AuthError, AuthErrorCode } from './auth-errors.js';
export {
  type AuthErrorMessage,
  type ChallengeMessage,
  type ChannelFields,
  DEVICE_AUTH_VERSION,
  type HelloMessage,
  parseHello,
  parseJson,
  parseProof,
  parseServerMessage,
  type ProofMessage,
  type ServerChannel,
  type SignatureCheck,
  transcript,
  type TranscriptFields,
  type TranscriptSigner,
  type WelcomeMessage,
} from './device-auth-messages.js';
export {
  HEARTBEAT_CHALLENGE_PATH,
  HEARTBEAT_PATH,
  type HeartbeatChallenge,
  type HeartbeatReport,
  heartbeatTranscript,
  parseHeartbeatReport,
} from './heartbeat-messages.js';
export { checkTranscriptSignature, devicePublicKey, deviceSigner, keyPairSigner } from './signers.js';
