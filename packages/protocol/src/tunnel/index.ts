export { DEVICE_HOST_SUFFIXES, deviceRef, deviceRefFromHost } from './device-host.js';
export { EarlyBytes } from './early-bytes.js';
export { JOINED_SOCKET_WRITE_HIGH_WATER, joinStreams, type JoinResult } from './join.js';
export { CLUSTER_HOP_LIMIT, OpenError, type OpenRequest, OpenResult, PeerQuery } from './open-protocol.js';
export { OPEN_REFUSALS, type OpenRefusal } from './open-refusals.js';
export { type StreamNotice } from './stream-notice.js';
export { openErrorCode, StreamNoticeCode } from './tunnel-errors.js';
export { TunnelSession } from './tunnel-session.js';
