export * from './assignability.js';
export * from './default-route.js';
export * from './device-allow-list.js';
export * from './discover-host.js';
export * from './host-device.model.js';
export * from './resolve-devices.js';
export * from './sysfs.js';
export * from './device-slots.js';
