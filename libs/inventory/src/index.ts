export * from './data-source.js';
export * from './db-queue.js';
export * from './device-state.js';
export * from './host-device.entity.js';
export * from './host-device.repository.js';
export * from './vnf.entity.js';
export * from './vnf.repository.js';
