/**
 * Request-body validation lives in libs/vnf (request-validation.ts), next to the schema, so the
 * use cases and the HTTP edge share it; re-exported here for the API's own modules.
 */
export { MAX_BODY_DEPTH, RESERVED_KEYS, fieldPath, fieldProblemsOf, rawBodyProblems, validateBody } from '../../../../libs/vnf/src/index.js';
