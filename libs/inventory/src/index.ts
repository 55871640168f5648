export * from './data-source.js';
export * from './database.js';
export * from './device-state.js';
export * from './host-device.repository.js';
export * from './instance-id.js';
export * from './vnf-event.repository.js';
export * from './vnf-record.js';
export * from './vnf.repository.js';
