export * from './errors.js';
export * from './yamux/index.js';
export * from './transport/websocket-duplex.js';
export * from './trust/index.js';
