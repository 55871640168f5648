export * from './domain.model.js';
export * from './domain.codec.js';
export * from './interface.codec.js';
export { UnsafeXmlError, toKiB } from './xml-tree.js';
export * from './hostdev.codec.js';
export * from './qemu-commandline.codec.js';
export * from './disk.codec.js';
export * from './container.codec.js';
