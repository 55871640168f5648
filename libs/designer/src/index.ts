export * from './design-devices.js';
export * from './design-domain.js';
export * from './host-facts.js';
