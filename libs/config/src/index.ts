export * from './vnfm-config.js';
