export * from './host-resource-checker.js';
export * from './host-resource-port.js';
export * from './path-policy.js';
export * from './spec-resources.js';
