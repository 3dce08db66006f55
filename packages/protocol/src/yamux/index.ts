export * from './config.js';
export * from './constants.js';
export * from './decoder.js';
export * from './encoder.js';
export * from './errors.js';
export * from './frame.js';
export * from './session.js';
export * from './stream.js';
