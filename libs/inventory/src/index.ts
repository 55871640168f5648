export * from './data-source.js';
export * from './db-queue.js';
export * from './vnf.entity.js';
export * from './vnf.repository.js';
