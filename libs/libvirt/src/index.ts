export * from './backoff.js';
export * from './call-gate.js';
export * from './domain-state.js';
export * from './libvirt.errors.js';
export * from './libvirt.port.js';
export * from './libvirt-client.js';
export * from './composite-libvirt.js';
export * from './netdev-handback.js';
