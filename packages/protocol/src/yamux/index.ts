export { defaultYamuxConfig, resolveYamuxConfig, type YamuxConfig } from './config.js';
export { Flag, FrameType, GoAwayCode, HEADER_SIZE, INITIAL_STREAM_WINDOW, MAX_UINT32 } from './constants.js';
export { FrameDecoder } from './decoder.js';
export { YamuxError, YamuxErrorCode } from './errors.js';
export { type FrameHeader } from './frame.js';
export { YamuxSession } from './session.js';
export { type RelaySink, type RelaySource, YamuxStream } from './stream.js';
