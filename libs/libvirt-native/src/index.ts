export * from './libvirt-constants.generated.js';
export * from './native-connection.js';
export * from './native-error.js';
export * from './native-console.js';
