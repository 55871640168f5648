export * from './patterns.js';
export * from './vnf-spec.schema.js';
export * from './vnf-spec.js';
export * from './field-problems.js';
export * from './request-validation.js';
export * from './duplicate-keys.js';
