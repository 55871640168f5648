export * from './backoff.js';
export * from './drift.js';
export * from './plan.js';
export * from './work-queue.js';
