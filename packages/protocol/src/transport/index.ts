export { WebSocketErrorCode } from './transport-errors.js';
export { WebSocketDuplex, zeroMask } from './websocket-duplex.js';
