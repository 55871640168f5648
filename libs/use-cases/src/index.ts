export * from './draft.js';
export * from './etag.js';
export * from './keyed-mutex.js';
export * from './vnf-use-cases.js';
export * from './vnf-view.js';
export * from './vnf-watch.js';
