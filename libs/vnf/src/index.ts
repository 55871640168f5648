export * from './patterns.js';
export * from './vnf-spec.schema.js';
export * from './vnf-spec.js';
