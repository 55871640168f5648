/**
 * Request-body validation lives in libs/vnf (request-validation.ts), next to the schema, so the
 * use cases and the HTTP edge share it; re-exported here for the API's own modules.
 */
import { VnfmError } from '../../../../libs/core/src/index.js';
import { duplicateKeyProblems } from '../../../../libs/vnf/src/index.js';

export { MAX_BODY_DEPTH, RESERVED_KEYS, fieldPath, fieldProblemsOf, rawBodyProblems, validateBody } from '../../../../libs/vnf/src/index.js';

/**
 * body-parser's `verify` hook: a JSON body with a key twice in one object is refused (400,
 * `invalid-request`, each repeated key named) before it is parsed.
 */
export function refuseDuplicateKeys(_request: unknown, _response: unknown, body: Buffer): void {
  const problems = duplicateKeyProblems(body.toString('utf8'));
  if (problems.length > 0) throw VnfmError.invalid(problems);
}
