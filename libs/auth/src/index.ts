export * from './identity.js';
export * from './rate-limiter.js';
export * from './scopes.js';
export * from './token-store.js';
export * from './tokens.js';
export * from './tokens-file.js';
